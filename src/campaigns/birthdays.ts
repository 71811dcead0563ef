import type { MikroORM } from '@mikro-orm/core';
import type { Queues } from '../../workers/queues.ts';
import { Campaign, Inbox } from '../store/entities/index.ts';
import { rows } from '../store/sql.ts';
import type { Clock } from './clock.ts';
import { blockersOf, enqueueSends, identitiesOf, planRows, writeLedger, type CampaignInbox } from './ledger.ts';
import type { CampaignProgress } from './progress.ts';
import type { SegmentsService } from './segments.service.ts';
import { isValidTimezone, localParts, minutesOf } from './zoned-time.ts';

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * Birthday greetings: for each running birthday campaign, the cards of its segment whose birthday is today where
 * they live (their timezone, else the campaign's) and whose local time has passed the campaign's `sendTime` get a
 * ledger row for this year (the occurrence), so each card is greeted once a year however often this runs.
 * Runs every few minutes from the maintenance schedule; 29 February birthdays are greeted on 28 February in other years.
 */
export async function runBirthdays(deps: { orm: MikroORM; queues: Queues; segments: SegmentsService; progress: CampaignProgress; clock: Clock; batchSize: number }): Promise<number> {
  const em = deps.orm.em.fork();
  const campaigns = await em.find(Campaign, { kind: 'birthday', state: 'running' });
  if (!campaigns.length) return 0;
  const now = deps.clock.now();
  const zones = (await rows<{ tz: string | null }>(em, 'select distinct timezone as tz from contact where birthday is not null')).map((r) => r.tz ?? '');
  let queuedTotal = 0;
  for (const campaign of campaigns) {
    if (!campaign.snapshot || !campaign.sendTime) continue;
    const found = new Map((await em.find(Inbox, { id: { $in: campaign.channels } }, { fields: ['id', 'kind'] })).map((i) => [i.id, { id: i.id, kind: i.kind }]));
    const inboxes: CampaignInbox[] = campaign.channels.filter((id) => found.has(id)).map((id) => found.get(id)!);
    if (!inboxes.length) continue;
    for (const zone of new Set(['', ...zones])) {
      const effective = zone && isValidTimezone(zone) ? zone : campaign.timezone;
      const local = localParts(now, effective);
      if (local.hour * 60 + local.minute < minutesOf(campaign.sendTime)) continue;
      const mmdd = `${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`;
      const days = mmdd === '02-28' && !isLeap(local.year) ? [mmdd, '02-29'] : [mmdd];
      const zoneSql = zone ? 'c.timezone = ?' : "(c.timezone is null or c.timezone = '')";
      const extra = { sql: `${zoneSql} and substr(c.birthday, 6, 5) in (${days.map(() => '?').join(', ')})`, params: [...(zone ? [zone] : []), ...days] };
      for (let after = 0; ;) {
        const page = await deps.segments.page(em, campaign.snapshot.filter, after, deps.batchSize, extra);
        if (!page.length) break;
        const ids = page.map((c) => c.id);
        const identities = await identitiesOf(em, ids);
        const queued = await writeLedger(em, campaign.id, String(local.year), planRows(ids, identities, inboxes, await blockersOf(em, identities, inboxes), campaign.requireOptIn));
        await enqueueSends(deps.queues.campaignSend, queued, campaign.generation);
        queuedTotal += queued.length;
        after = page.at(-1)!.id;
        if (page.length < deps.batchSize) break;
      }
    }
    deps.progress.touch(campaign.id);
  }
  return queuedTotal;
}
