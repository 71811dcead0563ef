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
  let cursor: number | null = null;
  // The previous batch's addBulk runs while this batch is read and written (Redis and the database work in parallel);
  // the cursor only moves past a batch once its jobs are in the queue.
  let pending: { enqueued: Promise<void>; cursor: number } | null = null;
  const settlePending = async (em: ReturnType<MikroORM['em']['fork']>, done: boolean) => {
    if (!pending) return;
    await pending.enqueued;
    await em.nativeUpdate(Campaign, { id: campaignId, expandCursor: { $lte: pending.cursor } }, { expandCursor: pending.cursor, ...(done ? { expandedAt: new Date() } : {}) });
    deps.progress.touch(campaignId);
    pending = null;
  };
  try {
    for (;;) {
      const em = deps.orm.em.fork();
      const campaign = await em.findOne(Campaign, campaignId);
      if (!campaign || campaign.state !== 'running' || !campaign.snapshot) {
        await settlePending(em, false);
        return 'stopped';
      }
      if (campaign.expandedAt) return 'expanded';
      cursor ??= campaign.expandCursor;
      if (!inboxes) {
        const found = new Map((await em.find(Inbox, { id: { $in: campaign.channels } }, { fields: ['id', 'kind'] })).map((i) => [i.id, { id: i.id, kind: i.kind }]));
        inboxes = campaign.channels.filter((id) => found.has(id)).map((id) => found.get(id)!);
        if (!inboxes.length) return 'stopped';
      }
      const page = await deps.segments.page(em, campaign.snapshot.filter, cursor, deps.batchSize);
      let queued: number[] = [];
      if (page.length) {
        const ids = page.map((c) => c.id);
        const identities = await identitiesOf(em, ids);
        const planned = planRows(ids, identities, inboxes, await blockersOf(em, identities, inboxes), campaign.requireOptIn);
        queued = await writeLedger(em, campaign.id, '', planned);
      }
      const done = page.length < deps.batchSize;
      await settlePending(em, false);
      cursor = page.at(-1)?.id ?? cursor;
      pending = { enqueued: enqueueSends(deps.queues.campaignSend, queued, campaign.generation), cursor };
      if (done) {
        await settlePending(em, true);
        return 'expanded';
      }
    }
  } finally {
    // A failure leaves the last batch's enqueue to finish on its own; the cursor stays behind it, so a retry redoes it.
    (pending as { enqueued: Promise<void> } | null)?.enqueued.catch(() => {});
  }
}
