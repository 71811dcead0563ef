import type { EntityManager } from '@mikro-orm/core';
import type { Queue } from 'bullmq';
import { campaignSendJobId, type CampaignSendJob } from '../../workers/queues.ts';
import { dialectOfEm, rows, sqlTime } from '../store/sql.ts';
import { sendBlocker } from './consent.service.ts';
import { addressOn, consentChannel, type IdentityView } from './recipient-address.ts';

/** An inbox a campaign sends through, in fallback order. */
export interface CampaignInbox {
  id: number;
  kind: string;
}

/** What the ledger gets for one card. */
export interface PlannedRow {
  contactId: number;
  inboxId: number;
  step: number;
  address: string;
  status: 'queued' | 'skipped';
  failureReason: string | null;
}

/** Suppressed addresses and opted-out channels of a batch of cards, looked up together. */
export interface Blockers {
  /** (channel, address) → suppression reason. */
  suppressed: Map<string, string>;
  consent: Map<string, string>;
}
const suppressionKey = (channel: string, address: string) => `${channel}\u0000${address}`;
const consentKey = (contactId: number, channel: string) => `${contactId}\u0000${channel}`;

/** Identities of many cards in one query. */
export async function identitiesOf(em: EntityManager, contactIds: number[]): Promise<Map<number, IdentityView[]>> {
  const byContact = new Map<number, IdentityView[]>(contactIds.map((id) => [id, []]));
  if (!contactIds.length) return byContact;
  const found = await rows<{ contact_id: number; kind: string; value: string; unreachable_reason: string | null }>(
    em, `select contact_id, kind, value, unreachable_reason from contact_identity where contact_id in (${contactIds.map(() => '?').join(', ')}) order by id`, contactIds);
  for (const r of found) byContact.get(Number(r.contact_id))?.push({ kind: r.kind, value: r.value, unreachableReason: r.unreachable_reason });
  return byContact;
}

/** The suppression list entries and latest consent records that concern these cards' addresses on these inboxes. */
export async function blockersOf(em: EntityManager, identities: Map<number, IdentityView[]>, inboxes: CampaignInbox[]): Promise<Blockers> {
  const addresses = new Set<string>();
  for (const list of identities.values()) for (const i of list) addresses.add(i.value);
  const contactIds = [...identities.keys()];
  const channels = [...new Set(inboxes.map((i) => consentChannel(i.kind)))];
  const blockers: Blockers = { suppressed: new Map(), consent: new Map() };
  if (addresses.size) {
    const list = [...addresses];
    for (const r of await rows<{ channel: string; address: string; reason: string }>(em, `select channel, address, reason from suppression where address in (${list.map(() => '?').join(', ')})`, list)) {
      blockers.suppressed.set(suppressionKey(r.channel, r.address), r.reason);
    }
  }
  if (contactIds.length && channels.length) {
    const found = await rows<{ contact_id: number; channel: string; status: string }>(em,
      `select r.contact_id, r.channel, r.status from consent_record r where r.contact_id in (${contactIds.map(() => '?').join(', ')}) and r.channel in (${channels.map(() => '?').join(', ')})
       and r.id = (select max(r2.id) from consent_record r2 where r2.contact_id = r.contact_id and r2.channel = r.channel)`, [...contactIds, ...channels]);
    for (const r of found) blockers.consent.set(consentKey(Number(r.contact_id), r.channel), r.status);
  }
  return blockers;
}

/** Why this card may not get campaign messages on this inbox at this address, or null (the rule the send path applies too). */
export function blockedReason(blockers: Blockers, contactId: number, inbox: CampaignInbox, address: string, unreachable: string | null, requireOptIn: boolean): string | null {
  const channel = consentChannel(inbox.kind);
  return sendBlocker({ channel, unreachableReason: unreachable, suppressed: blockers.suppressed.get(suppressionKey(channel, address)) ?? null, consent: blockers.consent.get(consentKey(contactId, channel)) ?? null, requireOptIn });
}

/**
 * Picks each card's channel: the first inbox, in fallback order from `fromStep`, on which it has an address that is
 * not blocked. A card reachable nowhere gets a `skipped` row (with why) so the campaign's statistics account for it.
 */
export function planRows(contactIds: number[], identities: Map<number, IdentityView[]>, inboxes: CampaignInbox[], blockers: Blockers, requireOptIn: boolean, fromStep = 0): PlannedRow[] {
  return contactIds.map((contactId) => {
    let firstReason: string | null = null;
    let firstBlocked: { inbox: CampaignInbox; step: number; address: string } | null = null;
    for (let step = fromStep; step < inboxes.length; step++) {
      const inbox = inboxes[step]!;
      const address = addressOn(inbox, identities.get(contactId) ?? []);
      if (!address) continue;
      const reason = blockedReason(blockers, contactId, inbox, address.address, address.unreachableReason, requireOptIn);
      if (!reason) return { contactId, inboxId: inbox.id, step, address: address.address, status: 'queued', failureReason: null };
      if (!firstBlocked) {
        firstBlocked = { inbox, step, address: address.address };
        firstReason = reason;
      }
    }
    if (firstBlocked) return { contactId, inboxId: firstBlocked.inbox.id, step: firstBlocked.step, address: firstBlocked.address, status: 'skipped', failureReason: firstReason };
    const first = inboxes[fromStep] ?? inboxes[0]!;
    return { contactId, inboxId: first.id, step: fromStep, address: '', status: 'skipped', failureReason: `No address for ${inboxes.slice(fromStep).map((i) => i.kind).join(' or ')} on the card` };
  });
}

/**
 * Writes planned rows to the send ledger, each at most once (`on conflict do nothing` on campaign × card × inbox ×
 * occurrence), and returns the ids of rows waiting to be sent: the ones written now, and on a re-run (a worker died
 * after writing) the ones an earlier run wrote that are still queued.
 */
export async function writeLedger(em: EntityManager, campaignId: number, occurrence: string, planned: PlannedRow[]): Promise<number[]> {
  if (!planned.length) return [];
  const dialect = dialectOfEm(em);
  const now = sqlTime(dialect, new Date());
  const params: unknown[] = [];
  const values = planned.map((r) => {
    params.push(campaignId, r.contactId, r.inboxId, occurrence, r.step, r.address, r.status, r.failureReason, now, now);
    return '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  });
  const inserted = await rows<{ id: number; status: string }>(em,
    `insert into campaign_recipient (campaign_id, contact_id, inbox_id, occurrence, step, address, status, failure_reason, created_at, updated_at) values ${values.join(', ')} on conflict do nothing returning id, status`, params);
  const queued = inserted.filter((r) => r.status === 'queued').map((r) => Number(r.id));
  if (inserted.length === planned.length) return queued;
  const contactIds = planned.map((r) => r.contactId);
  const existing = await rows<{ id: number }>(em,
    `select id from campaign_recipient where campaign_id = ? and occurrence = ? and status = 'queued' and contact_id in (${contactIds.map(() => '?').join(', ')})`, [campaignId, occurrence, ...contactIds]);
  return [...new Set([...queued, ...existing.map((r) => Number(r.id))])];
}

/** Hands ledger rows to the send queue in one round trip; the job ids make a repeated call harmless. */
export async function enqueueSends(queue: Queue<CampaignSendJob>, recipientIds: number[], generation: number): Promise<void> {
  if (!recipientIds.length) return;
  await queue.addBulk(recipientIds.map((recipientId) => ({ name: 'send', data: { recipientId }, opts: { jobId: campaignSendJobId(recipientId, generation) } })));
}
