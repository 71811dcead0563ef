import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CampaignsService } from '../src/campaigns/campaigns.service.ts';
import { expandCampaign, type ExpansionDeps } from '../src/campaigns/expansion.ts';
import { CAMPAIGN_QUEUE, type CampaignJob } from './queues.ts';

/** The campaign queue: `expand` streams a segment into the send ledger, `start` starts a scheduled campaign. */
export function startCampaignWorker(deps: ExpansionDeps & { campaigns: CampaignsService }, connection: Redis, prefix: string, lockDuration: number): Worker<CampaignJob> {
  return new Worker<CampaignJob>(CAMPAIGN_QUEUE, async (job: Job<CampaignJob>) => {
    if (job.name === 'start') return (await deps.campaigns.begin(job.data.campaignId)) ? 'started' : 'not-due';
    if (job.name === 'expand') return expandCampaign(deps, job.data.campaignId);
    return 'unknown-job';
  }, { connection, prefix, concurrency: 2, lockDuration, stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)) });
}
