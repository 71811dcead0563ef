import type { EntityManager } from '@mikro-orm/core';
import { blockersOf, identitiesOf, planRows, type CampaignInbox } from './ledger.ts';
import type { SegmentFilter } from './segment-filter.ts';
import type { SegmentsService } from './segments.service.ts';

/**
 * What the confirmation step says: the segment streamed exactly as the campaign worker will stream it, each card
 * given the channel it would get (with suppressions, opt-outs and unreachable identities), nothing written.
 */
export async function estimateCampaign(em: EntityManager, segments: SegmentsService, filter: SegmentFilter, inboxes: CampaignInbox[], requireOptIn: boolean, batchSize: number) {
  const byInbox = new Map(inboxes.map((i) => [i.id, { inboxId: i.id, kind: i.kind, recipients: 0 }]));
  const reasons = new Map<string, number>();
  let matching = 0;
  let willReceive = 0;
  for (let after = 0; ;) {
    const page = await segments.page(em, filter, after, batchSize);
    if (!page.length) break;
    const ids = page.map((c) => c.id);
    const identities = await identitiesOf(em, ids);
    for (const row of planRows(ids, identities, inboxes, await blockersOf(em, identities, inboxes), requireOptIn)) {
      if (row.status === 'queued') {
        willReceive++;
        byInbox.get(row.inboxId)!.recipients++;
      } else {
        const reason = (row.failureReason ?? 'skipped').replace(/: .*$/, '');
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    matching += page.length;
    after = page.at(-1)!.id;
    if (page.length < batchSize) break;
  }
  return { matching, willReceive, byChannel: [...byInbox.values()], skipped: [...reasons].map(([reason, count]) => ({ reason, count })) };
}
