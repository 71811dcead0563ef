import type { EntityManager } from '@mikro-orm/core';
import type { PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { NormalizedInbound } from '../../channels/channel-adapter.ts';
import { identityKeyString, senderIdentities } from '../contacts/identity.ts';
import type { Message } from '../store/entities/index.ts';
import { messageDto, type ConversationDto } from './dto.ts';
import type { InboxEventType, PublishedEvent } from './events.ts';
import { batchInboxes } from './ingest-batch.ts';
import { announce, assignCards, createdThreads, cardId, firstCopies, groupThreads, messageKey, messageRow, preview, threadKey, threadOf, type CardRef, type IngestResult, type Results } from './ingest-plan.ts';

/**
 * Group commit on PostgreSQL in two statements per batch, whatever its size: one read (replays, the cards
 * that own the senders' identities, the conversations with their labels, and the ids the new rows will take
 * from their sequences) and one write (a data-modifying CTE: cards, identities, conversations, messages and
 * their event rows). The write is one statement, so it is atomic without a transaction; a clash with a
 * concurrent writer (a unique key, a card deleted in between) fails it whole, and the caller stores the
 * messages one by one. Each statement round trip costs CPU on both sides, which is what this saves against
 * the portable path (twelve statements through the query builder).
 */

/** Rows as plain SQL reads them (ingest-batch-pg's read statement). */
interface FoundConversation {
  id: number;
  inbox_id: number;
  contact_id: number;
  external_thread_id: string;
  status: ConversationDto['status'];
  snoozed_until: string | null;
  assignee_id: number | null;
  team_id: number | null;
  unread_count: number;
  last_message_preview: string | null;
  last_activity_at: string;
  created_at: string;
  labels: string[];
}
interface StoredMessage {
  id: number;
  conversation_id: number;
  inbox_id: number;
  direction: Message['direction'];
  author_type: Message['authorType'];
  operator_id: number | null;
  text: string | null;
  html: string | null;
  attachments: Message['attachments'];
  meta: Message['meta'];
  external_id: string;
  reply_to_external_id: string | null;
  status: Message['status'];
  failure_reason: string | null;
  private: boolean;
  sent_at: string | null;
  edited_at: string | null;
  created_at: string;
  contact_id: number;
}
interface ReadResult {
  dups: StoredMessage[];
  identities: [kind: string, value: string, contact: number][];
  conversations: FoundConversation[];
  message_ids: number[];
  conversation_ids: number[];
  contact_ids: number[];
}

// Every lookup is a LATERAL probe of a unique index (`limit 1` keeps the planner from turning it into a join): the
// planner takes a set-returning function for 100 rows, and against a young table it would rather read the whole
// table than probe it 100 times (a sequential scan per batch, slower as the table grows).
// Ids are drawn for what may be new: messages not stored yet, threads without a conversation, senders none of
// whose identities a card owns (two new senders sharing a phone draw two and use one: a harmless gap).
const READ = `
with p as (select $1::jsonb as j),
mk as (select t.i, t.x from p, jsonb_to_recordset(p.j->'m') as t(i int, x text)),
dup as (select m.*, c.contact_id from mk cross join lateral (select m.* from message m where m.inbox_id = mk.i and m.external_id = mk.x limit 1) m
  join conversation c on c.id = m.conversation_id),
tk as (select t.i, t.x from p, jsonb_to_recordset(p.j->'t') as t(i int, x text)),
conv as (select c.* from tk cross join lateral (select c.* from conversation c where c.inbox_id = tk.i and c.external_thread_id = tk.x limit 1) c),
kk as (select t.s, t.k, t.v from p, jsonb_to_recordset(p.j->'k') as t(s int, k text, v text)),
idn as (select kk.s, kk.k, kk.v, ci.contact_id from kk left join lateral (select ci.contact_id from contact_identity ci where ci.kind = kk.k and ci.value = kk.v limit 1) ci on true)
select
  (select coalesce(json_agg(json_build_object('id', d.id, 'conversation_id', d.conversation_id, 'inbox_id', d.inbox_id, 'direction', d.direction,
     'author_type', d.author_type, 'operator_id', d.operator_id, 'text', d.text, 'html', d.html, 'attachments', d.attachments, 'meta', d.meta,
     'external_id', d.external_id, 'reply_to_external_id', d.reply_to_external_id, 'status', d.status, 'failure_reason', d.failure_reason,
     'private', d.private, 'sent_at', d.sent_at, 'edited_at', d.edited_at, 'created_at', d.created_at, 'contact_id', d.contact_id)), '[]') from dup d) as dups,
  (select coalesce(json_agg(json_build_array(k, v, contact_id)), '[]') from idn where contact_id is not null) as identities,
  (select coalesce(json_agg(json_build_object('id', c.id, 'inbox_id', c.inbox_id, 'contact_id', c.contact_id, 'external_thread_id', c.external_thread_id,
     'status', c.status, 'snoozed_until', c.snoozed_until, 'assignee_id', c.assignee_id, 'team_id', c.team_id, 'unread_count', c.unread_count,
     'last_message_preview', c.last_message_preview, 'last_activity_at', c.last_activity_at, 'created_at', c.created_at,
     'labels', (select coalesce(json_agg(l.label), '[]') from conversation_label l where l.conversation_id = c.id))), '[]') from conv c) as conversations,
  (select coalesce(json_agg(nextval('message_id_seq')), '[]') from generate_series(1, (select count(*) from mk) - (select count(*) from dup))) as message_ids,
  (select coalesce(json_agg(nextval('conversation_id_seq')), '[]') from generate_series(1, (select count(*) from tk) - (select count(*) from conv))) as conversation_ids,
  (select coalesce(json_agg(nextval('contact_id_seq')), '[]') from generate_series(1, (select count(*) from (select s from idn group by s having count(contact_id) = 0) n))) as contact_ids`;

// Existing cards and conversations are updated in place, found through their primary key (`= any(array)` lets the
// planner probe the index, where a join with the set-returning function reads the whole table). The unread count is
// incremented in SQL and the reopen decided on the row, so an operator acting at the same moment is not overwritten.
const WRITE = `
with p as (select j, (j->>'now')::timestamptz as now from (select $1::jsonb as j) input),
contacts as (insert into contact (id, name, custom_fields, created_at, updated_at, last_activity_at)
  select t.id, t.name, '{}', p.now, p.now, p.now from p, jsonb_to_recordset(p.j->'contacts') as t(id int, name text)),
identities as (insert into contact_identity (contact_id, kind, value, created_at)
  select t.c, t.k, t.v, p.now from p, jsonb_to_recordset(p.j->'identities') as t(n int, c int, k text, v text) order by t.n),
known as (update contact set last_activity_at = p.now, name = coalesce(contact.name, t.name)
  from p, jsonb_to_recordset(p.j->'known') as t(id int, name text)
  where contact.id = t.id and contact.id = any(array(select jsonb_array_elements_text(j->'knownIds')::int from p))),
opened as (insert into conversation (id, inbox_id, contact_id, external_thread_id, external_user_id, status, unread_count, last_message_preview, last_activity_at, created_at)
  select t.id, t.inbox, t.contact, t.thread, t.sender, 'open', t.count, t.preview, p.now, p.now
  from p, jsonb_to_recordset(p.j->'opened') as t(id int, inbox int, contact int, thread text, sender text, count int, preview text)),
touched as (update conversation c set last_activity_at = p.now, last_message_preview = t.preview, external_user_id = t.sender,
    unread_count = c.unread_count + t.count,
    status = case when c.status in ('resolved', 'snoozed') then 'open' else c.status end,
    snoozed_until = case when c.status in ('resolved', 'snoozed') then null else c.snoozed_until end
  from p, jsonb_to_recordset(p.j->'touched') as t(id int, sender text, count int, preview text)
  where c.id = t.id and c.id = any(array(select jsonb_array_elements_text(j->'touchedIds')::int from p))),
messages as (insert into message (id, conversation_id, inbox_id, direction, author_type, text, html, attachments, meta, external_id, reply_to_external_id, status, private, sent_at, created_at)
  select t.id, t.conversation, t.inbox, 'in', 'contact', t.text, t.html, coalesce(t.attachments, '[]'), t.meta, t.external, t.reply, 'received', false, t.sent, p.now
  from p, jsonb_to_recordset(p.j->'messages') as t(id int, conversation int, inbox int, text text, html text, attachments jsonb, meta jsonb, external text, reply text, sent timestamptz))
insert into inbox_event (type, inbox_id, payload, created_at)
select t.type, t.inbox, t.payload, p.now from p, jsonb_to_recordset(p.j->'events') as t(n int, type text, inbox int, payload jsonb) order by t.n
returning id`;

async function query<T>(em: EntityManager, name: string, sql: string, input: unknown): Promise<T[]> {
  // Straight to the pool as a named prepared statement with one bound parameter: PostgreSQL parses and plans these
  // large statements once per connection (planning took longer than running them), and no `?` formatting or escaping
  // of a large literal happens here. Still through MikroORM's logger (a no-op unless query logging is on), so
  // `bench/profile.ts` and debug logs list them.
  const pool = await (em.getConnection() as PostgreSqlConnection).getNativeClient();
  const start = Date.now();
  const { rows } = await pool.query({ name, text: sql, values: [JSON.stringify(input)] });
  em.config.getLogger().logQuery({ query: sql.replace(/\s+/g, ' ').trim(), took: Date.now() - start, results: rows.length, level: 'info' });
  return rows as T[];
}

const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

const conversationView = (c: FoundConversation): ConversationDto => ({
  id: c.id, inboxId: c.inbox_id, contactId: c.contact_id, externalThreadId: c.external_thread_id, status: c.status, snoozedUntil: iso(c.snoozed_until),
  assigneeId: c.assignee_id, teamId: c.team_id, unreadCount: c.unread_count, labels: [...c.labels].sort(), lastMessagePreview: c.last_message_preview,
  lastActivityAt: iso(c.last_activity_at)!, createdAt: iso(c.created_at)!,
});

const date = (value: string | null) => (value === null ? null : new Date(value));

/** A stored message as operators see it (the same `messageDto` the ORM path uses). */
const storedMessageView = (m: StoredMessage) => messageDto({
  id: m.id, conversation: { id: m.conversation_id }, inbox: { id: m.inbox_id }, direction: m.direction, authorType: m.author_type,
  operator: m.operator_id === null ? null : { id: m.operator_id }, text: m.text, html: m.html, attachments: m.attachments, meta: m.meta,
  externalId: m.external_id, replyToExternalId: m.reply_to_external_id, status: m.status, failureReason: m.failure_reason, private: m.private,
  sentAt: date(m.sent_at), editedAt: date(m.edited_at), createdAt: date(m.created_at),
} as unknown as Message);

/** Takes `count` ids from those the read drew; fewer than needed means the batch changed under us: fail into the one-by-one path. */
function take(ids: number[], count: number, what: string): number[] {
  if (ids.length < count) throw new Error(`ingest batch: ${count} ${what} ids needed, ${ids.length} drawn`);
  return ids.slice(0, count).map(Number);
}

/**
 * Stores the batch and returns one result per input (an unknown inbox gets its error) and the events it
 * committed, for the caller to publish. Throws on any other failure: nothing is stored then.
 */
export async function storeBatchPg(em: EntityManager, batch: NormalizedInbound[], inboxKinds: Map<number, string>): Promise<{ results: (IngestResult | Error)[]; events: PublishedEvent[] }> {
  const now = new Date();
  const results: Results = new Array(batch.length);
  const inboxes = await batchInboxes(em, batch, inboxKinds);
  const { firstOf, copies } = firstCopies(batch, inboxes, results);
  const firsts = [...firstOf.values()];
  if (firsts.length === 0) return { results: results as (IngestResult | Error)[], events: [] };

  const keysOf = new Map(firsts.map((i) => [i, senderIdentities(inboxes.get(batch[i]!.inboxId)!, batch[i]!.sender)]));
  const threadsToFind = new Map(firsts.map((i) => [threadKey(batch[i]!), { i: batch[i]!.inboxId, x: threadOf(batch[i]!) }]));
  const [read] = await query<ReadResult>(em, 'crm_ingest_read', READ, {
    m: firsts.map((i) => ({ i: batch[i]!.inboxId, x: batch[i]!.externalMessageId })),
    t: [...threadsToFind.values()],
    k: firsts.flatMap((i) => keysOf.get(i)!.map((key) => ({ s: i, k: key.kind, v: key.value }))),
  });

  // Replays: answered with the stored message.
  for (const stored of read!.dups) {
    const i = firstOf.get(messageKey(stored.inbox_id, stored.external_id))!;
    results[i] = { message: storedMessageView(stored), conversationId: stored.conversation_id, contactId: stored.contact_id, duplicate: true };
  }
  const fresh = firsts.filter((i) => results[i] === undefined);
  if (fresh.length === 0) return { results: announce(batch, [], [], [], new Map(), new Map(), now, () => {}, results, copies), events: [] };

  const owner = new Map<string, CardRef>(read!.identities.map(([kind, value, contact]) => [identityKeyString({ kind, value }), contact]));
  const { cardOf, newCards, newIdentities, namesToFill, knownCards } = assignCards(batch, fresh, keysOf, owner);
  const cardIds = take(read!.contact_ids, newCards.length, 'contact');
  newCards.forEach((card, n) => (card.id = cardIds[n]));

  const threads = groupThreads(batch, fresh, cardOf);
  for (const found of read!.conversations) {
    const thread = threads.get(messageKey(found.inbox_id, found.external_thread_id));
    if (!thread) continue; // the thread of a replayed message
    thread.existing = conversationView(found);
    thread.id = found.id;
  }
  const created = createdThreads(threads);
  const conversationIds = take(read!.conversation_ids, created.length, 'conversation');
  created.forEach((t, n) => (t.id = conversationIds[n]));

  const rows = fresh.map((i) => messageRow(batch[i]!, threads.get(threadKey(batch[i]!))!.id!, now));
  const messageIds = take(read!.message_ids, rows.length, 'message');
  const recorded: { type: InboxEventType; inboxId: number; payload: Record<string, unknown> }[] = [];
  announce(batch, fresh, rows, messageIds, threads, cardOf, now, (type, inboxId, payload) => void recorded.push({ type, inboxId, payload }), results, copies);

  const touched = [...threads.values()].filter((t) => t.existing).sort((a, b) => a.id! - b.id!);
  const eventRows = await query<{ id: number }>(em, 'crm_ingest_write', WRITE, {
    now: now.toISOString(),
    contacts: newCards.map((card) => ({ id: card.id, name: card.name })),
    identities: newIdentities.map(({ card, key }, n) => ({ n, c: cardId(card), k: key.kind, v: key.value })),
    known: knownCards.map((id) => ({ id, name: namesToFill.get(id) ?? null })),
    knownIds: knownCards,
    opened: created.map((t) => ({ id: t.id, inbox: t.inboxId, contact: cardId(t.card), thread: t.threadId, sender: t.last.sender.externalUserId, count: t.count, preview: preview(t.last) })),
    touched: touched.map((t) => ({ id: t.id, sender: t.last.sender.externalUserId, count: t.count, preview: preview(t.last) })),
    touchedIds: touched.map((t) => t.id),
    messages: rows.map((row, n) => ({ id: messageIds[n], conversation: row.conversation, inbox: row.inbox, text: row.text, html: row.html, attachments: row.attachments, meta: row.meta, external: row.externalId, reply: row.replyToExternalId, sent: row.sentAt?.toISOString() ?? null })),
    events: recorded.map((event, n) => ({ n, type: event.type, inbox: event.inboxId, payload: event.payload })),
  });
  // Ids come from the sequence row by row in the order inserted, so sorted they match `recorded`.
  const eventIds = eventRows.map((row) => Number(row.id)).sort((a, b) => a - b);
  const createdAt = now.toISOString();
  return { results: results as (IngestResult | Error)[], events: recorded.map((event, n) => ({ ...event, id: eventIds[n]!, createdAt })) };
}
