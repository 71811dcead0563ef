import type { MikroORM } from '@mikro-orm/core';
import type { Queues } from '../../workers/queues.ts';
import { Campaign, Inbox } from '../store/entities/index.ts';
import { blockersOf, enqueueSends, identitiesOf, planRows, writeLedger, type CampaignInbox } from './ledger.ts';
import type { CampaignProgress } from './progress.ts';
import type { SegmentsService } from './segments.service.ts';

export interface ExpansionDeps {
  orm: MikroORM;
  queues: Queues;
  segments: SegmentsService;
  progress: CampaignProgress;
  batchSize: number;
}

/**
 * Streams a running campaign's segment into the send ledger, one batch of cards at a time (memory stays flat
 * however large the segment): read the next cards by id, pick each one's channel, write the rows (each at most
 * once), enqueue their send jobs with one `addBulk`, then move the cursor. A worker that dies anywhere in a batch
 * leaves it to be done again harmlessly: the ledger's unique key and the job ids absorb the repeat.
 */
export async function expandCampaign(deps: ExpansionDeps, campaignId: number): Promise<'expanded' | 'stopped'> {
  let inboxes: CampaignInbox[] | null = null;
  for (;;) {
    const em = deps.orm.em.fork();
    const campaign = await em.findOne(Campaign, campaignId);
    if (!campaign || campaign.state !== 'running' || !campaign.snapshot) return 'stopped';
    if (campaign.expandedAt) return 'expanded';
    if (!inboxes) {
      const found = new Map((await em.find(Inbox, { id: { $in: campaign.channels } }, { fields: ['id', 'kind'] })).map((i) => [i.id, { id: i.id, kind: i.kind }]));
      inboxes = campaign.channels.filter((id) => found.has(id)).map((id) => found.get(id)!);
      if (!inboxes.length) return 'stopped';
    }
    const page = await deps.segments.page(em, campaign.snapshot.filter, campaign.expandCursor, deps.batchSize);
    if (page.length) {
      const ids = page.map((c) => c.id);
      const identities = await identitiesOf(em, ids);
      const planned = planRows(ids, identities, inboxes, await blockersOf(em, identities, inboxes), campaign.requireOptIn);
      const queued = await writeLedger(em, campaign.id, '', planned);
      await enqueueSends(deps.queues.campaignSend, queued, campaign.generation);
    }
    const done = page.length < deps.batchSize;
    const cursor = page.at(-1)?.id ?? campaign.expandCursor;
    await em.nativeUpdate(Campaign, { id: campaign.id, expandCursor: { $lte: cursor } }, { expandCursor: cursor, ...(done ? { expandedAt: new Date() } : {}) });
    deps.progress.touch(campaign.id);
    if (done) return 'expanded';
  }
}
