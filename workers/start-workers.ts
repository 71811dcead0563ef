import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { runBirthdays } from '../src/campaigns/birthdays.ts';
import type { Services } from '../src/services.ts';
import { startCampaignSendWorker } from './campaign-send.worker.ts';
import { startCampaignWorker } from './campaign.worker.ts';
import { startSendWorker } from './send-message.worker.ts';

const MAINTENANCE_QUEUE = 'maintenance';
const WAKE_EVERY_MS = 15_000;
const CAMPAIGN_TICK_MS = 15_000;
const BIRTHDAYS_EVERY_MS = 5 * 60_000;

export interface RunningWorkers {
  /** Stops taking jobs and waits up to `timeoutMs` for the ones in flight, then forces the rest. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Starts the send-message worker, the campaign workers (their own queues and concurrency, so replies never wait
 * behind a campaign) and the maintenance schedule (waking snoozed conversations, starting scheduled campaigns,
 * birthday greetings). Runs in the server process by default, or alone with `npm run worker` to scale out.
 */
export async function startWorkers(services: Services, connection: Redis, log: (line: string) => void): Promise<RunningWorkers> {
  const { config } = services;
  const prefix = config.REDIS_PREFIX;
  const send = startSendWorker(services, connection, prefix, config.WORKER_CONCURRENCY);
  send.on('error', (error) => log(`send worker: ${error.message}`));
  const campaignDeps = { ...services, batchSize: config.CAMPAIGN_BATCH_SIZE, publicUrl: config.PUBLIC_URL };
  const campaign = startCampaignWorker(campaignDeps, connection, prefix, config.CAMPAIGN_LOCK_MS);
  campaign.on('error', (error) => log(`campaign worker: ${error.message}`));
  const campaignSend = startCampaignSendWorker(campaignDeps, connection, prefix, config.CAMPAIGN_CONCURRENCY, config.CAMPAIGN_LOCK_MS);
  campaignSend.on('error', (error) => log(`campaign send worker: ${error.message}`));

  // One schedule across all worker processes: BullMQ's job scheduler keeps a single repeating job.
  const maintenance = new Queue(MAINTENANCE_QUEUE, { connection, prefix });
  const opts = { removeOnComplete: true, removeOnFail: 100 };
  await maintenance.upsertJobScheduler('wake-snoozed', { every: WAKE_EVERY_MS }, { name: 'wake-snoozed', opts });
  await maintenance.upsertJobScheduler('campaign-tick', { every: CAMPAIGN_TICK_MS }, { name: 'campaign-tick', opts });
  await maintenance.upsertJobScheduler('birthdays', { every: BIRTHDAYS_EVERY_MS }, { name: 'birthdays', opts });
  const maintainer = new Worker(MAINTENANCE_QUEUE, async (job) => {
    if (job.name === 'campaign-tick') return services.campaigns.tick();
    if (job.name === 'birthdays') return runBirthdays(campaignDeps);
    return services.conversations.wakeSnoozed();
  }, { connection, prefix, concurrency: 1 });
  maintainer.on('error', (error) => log(`maintenance worker: ${error.message}`));

  const requeued = await services.replies.requeueStuck();
  if (requeued > 0) log(`re-queued ${requeued} reply(ies) left queued`);
  const waiting = await services.campaigns.requeueRunning();
  if (waiting > 0) log(`re-queued ${waiting} campaign send(s) of running campaigns`);

  return {
    async close(timeoutMs) {
      const graceful = Promise.all([send.close(), campaign.close(), campaignSend.close(), maintainer.close()]);
      const timedOut = await Promise.race([graceful.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref())]);
      if (timedOut) {
        log(`workers did not drain within ${timeoutMs} ms; stopping the rest (their jobs are retried by another worker)`);
        // BullMQ's close() returns the close already under way, so close(true) here would wait for the same jobs.
        // Stop waiting instead: the process exits, their locks expire, and another worker takes them as stalled.
        graceful.catch((error: Error) => log(`closing workers: ${error.message}`));
      }
      await services.progress.flush();
      await maintenance.close();
    },
  };
}
