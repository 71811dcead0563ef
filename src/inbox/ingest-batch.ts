import { raw, type EntityManager } from '@mikro-orm/core';
import type { NormalizedInbound } from '../../channels/channel-adapter.ts';
import { identityKeyString, senderIdentities, type IdentityKey } from '../contacts/identity.ts';
import { notFound } from '../errors.ts';
import { Contact, ContactIdentity, Conversation, Inbox, Message } from '../store/entities/index.ts';
import { insertRows } from '../store/insert-rows.ts';
import { conversationDto, labelsOf, messageDto, type ConversationDto, type MessageDto } from './dto.ts';
import type { RecordEvent } from './events.ts';
import { sanitizeCustomerHtml } from './sanitize.ts';

export interface IngestResult {
  message: MessageDto;
  conversationId: number;
  contactId: number;
  /** True when this event was already stored (a replayed webhook): nothing changed. */
  duplicate: boolean;
}

const PREVIEW_LENGTH = 140;

export function preview(inbound: NormalizedInbound): string {
  const text = inbound.text?.trim() || (inbound.attachments.length ? `📎 ${inbound.attachments[0]?.name ?? 'attachment'}` : '');
  return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text;
}

export const threadOf = (inbound: NormalizedInbound) => inbound.externalThreadId ?? inbound.sender.externalUserId;
const messageKey = (inboxId: number, externalId: string) => `${inboxId}\u0000${externalId}`;

/** A card this batch creates; its id is known once the batch's contacts are inserted. */
interface NewCard {
  id?: number;
  name: string | null;
}
type CardRef = number | NewCard;
const cardId = (ref: CardRef) => (typeof ref === 'number' ? ref : ref.id!);

/** One conversation the batch touches, with what its messages change. */
interface Thread {
  inboxId: number;
  threadId: string;
  existing?: Conversation;
  id?: number;
  card: CardRef;
  count: number;
  last: NormalizedInbound;
}

/**
 * Stores many customer messages in one transaction with a handful of set-based statements, whatever
 * the batch size: this is how ingest keeps up with bursts (group commit). Returns one result per input,
 * in order; an input for an unknown inbox gets its error, the others are stored. Any other failure
 * throws, and the caller stores the messages one by one instead.
 */
export async function storeBatch(em: EntityManager, record: RecordEvent, batch: NormalizedInbound[], inboxKinds: Map<number, string>): Promise<(IngestResult | Error)[]> {
  const now = new Date();
  const results: (IngestResult | Error | undefined)[] = new Array(batch.length);

  const unknown = [...new Set(batch.map((b) => b.inboxId))].filter((id) => !inboxKinds.has(id));
  if (unknown.length) for (const inbox of await em.find(Inbox, { id: { $in: unknown } }, { fields: ['id', 'kind'] })) inboxKinds.set(inbox.id, inbox.kind);
  const inboxes = new Map([...new Set(batch.map((b) => b.inboxId))].filter((id) => inboxKinds.has(id)).map((id) => [id, { id, kind: inboxKinds.get(id)! }]));
  // The first copy of each (inbox, external id) is stored; later copies in the batch are its duplicates.
  const firstOf = new Map<string, number>();
  const copies: [copy: number, first: number][] = [];
  batch.forEach((inbound, i) => {
    if (!inboxes.has(inbound.inboxId)) return void (results[i] = notFound('Inbox'));
    const key = messageKey(inbound.inboxId, inbound.externalMessageId);
    const first = firstOf.get(key);
    if (first === undefined) firstOf.set(key, i);
    else copies.push([i, first]);
  });

  // Already stored by an earlier call: a replay.
  const firsts = [...firstOf.values()];
  const stored = firsts.length ? await em.find(Message, { $or: byInbox(firsts.map((i) => batch[i]!), (b) => b.externalMessageId, 'externalId') }, { populate: ['conversation'] }) : [];
  for (const message of stored) {
    const i = firstOf.get(messageKey(message.inbox.id, message.externalId!))!;
    results[i] = { message: messageDto(message), conversationId: message.conversation.id, contactId: (message.conversation as Conversation).contact.id, duplicate: true };
  }
  const fresh = firsts.filter((i) => results[i] === undefined);

  // Cards: every identity the senders bring, looked up at once; a sender no card knows gets a new card.
  const keysOf = new Map(fresh.map((i) => [i, senderIdentities(inboxes.get(batch[i]!.inboxId)!, batch[i]!.sender)]));
  const wanted = uniqueKeys([...keysOf.values()].flat());
  const owner = new Map<string, CardRef>();
  if (wanted.length) {
    for (const identity of await em.find(ContactIdentity, { $or: byKind(wanted) }, { fields: ['kind', 'value', 'contact'] })) owner.set(identityKeyString(identity), identity.contact.id);
  }
  const cardOf = new Map<number, CardRef>();
  const newCards: NewCard[] = [];
  const newIdentities: { card: CardRef; key: IdentityKey }[] = [];
  const namesToFill = new Map<number, string>();
  for (const i of fresh) {
    const { sender } = batch[i]!;
    const keys = keysOf.get(i)!;
    let card = keys.map((key) => owner.get(identityKeyString(key))).find((ref) => ref !== undefined);
    if (card === undefined) newCards.push((card = { name: sender.name ?? sender.username ?? null }));
    else if (typeof card === 'number' && (sender.name || sender.username)) namesToFill.set(card, (sender.name ?? sender.username)!);
    for (const key of keys) {
      if (owner.has(identityKeyString(key))) continue;
      owner.set(identityKeyString(key), card);
      newIdentities.push({ card, key });
    }
    cardOf.set(i, card);
  }
  const cardIds = await insertRows(em, Contact, newCards.map((card) => ({ name: card.name, customFields: {}, createdAt: now, updatedAt: now, lastActivityAt: now })));
  newCards.forEach((card, n) => (card.id = cardIds[n]));
  // Unique keys are inserted in one global order, so two concurrent batches wait on each other instead of deadlocking.
  newIdentities.sort((a, b) => compare(identityKeyString(a.key), identityKeyString(b.key)));
  await insertRows(em, ContactIdentity, newIdentities.map(({ card, key }) => ({ contact: cardId(card), ...key, createdAt: now })));
  for (const [id, name] of namesToFill) await em.nativeUpdate(Contact, { id, name: null }, { name });

  // Conversations: one per (inbox, thread); new ones are inserted with their final counts.
  const threads = new Map<string, Thread>();
  for (const i of fresh) {
    const inbound = batch[i]!;
    const key = messageKey(inbound.inboxId, threadOf(inbound));
    const thread = threads.get(key) ?? { inboxId: inbound.inboxId, threadId: threadOf(inbound), card: cardOf.get(i)!, count: 0, last: inbound };
    thread.count += 1;
    thread.last = inbound;
    threads.set(key, thread);
  }
  if (threads.size) {
    for (const conversation of await em.find(Conversation, { $or: byInbox([...threads.values()], (t) => t.threadId, 'externalThreadId') })) {
      const thread = threads.get(messageKey(conversation.inbox.id, conversation.externalThreadId))!;
      thread.existing = conversation;
      thread.id = conversation.id;
    }
  }
  const created = [...threads.values()].filter((t) => !t.existing).sort((a, b) => a.inboxId - b.inboxId || compare(a.threadId, b.threadId));
  const conversationIds = await insertRows(em, Conversation, created.map((t) => ({
    inbox: t.inboxId, contact: cardId(t.card), externalThreadId: t.threadId, externalUserId: t.last.sender.externalUserId,
    status: 'open' as const, unreadCount: t.count, lastMessagePreview: preview(t.last), lastActivityAt: now, createdAt: now,
  })));
  created.forEach((t, n) => (t.id = conversationIds[n]));
  const views = new Map<Thread, ConversationDto>();
  const existing = [...threads.values()].filter((t) => t.existing);
  const labels = await labelsOf(em, existing.map((t) => t.id!));
  for (const thread of existing) {
    const c = thread.existing!;
    // A customer writing again reopens a resolved or snoozed conversation.
    const reopen = c.status === 'resolved' || c.status === 'snoozed';
    const changes = { lastActivityAt: now, lastMessagePreview: preview(thread.last), externalUserId: thread.last.sender.externalUserId, ...(reopen ? { status: 'open' as const, snoozedUntil: null } : {}) };
    // The unread count is incremented in SQL, so an operator marking it read at the same moment is not overwritten.
    await em.nativeUpdate(Conversation, { id: c.id }, { ...changes, unreadCount: raw('unread_count + ?', [thread.count]) });
    const view = conversationDto(c, labels.get(c.id) ?? []);
    views.set(thread, { ...view, ...changes, status: changes.status ?? view.status, snoozedUntil: reopen ? null : view.snoozedUntil, unreadCount: c.unreadCount + thread.count, lastActivityAt: now.toISOString() });
  }
  for (const thread of created) {
    views.set(thread, { id: thread.id!, inboxId: thread.inboxId, contactId: cardId(thread.card), externalThreadId: thread.threadId, status: 'open', snoozedUntil: null, assigneeId: null, teamId: null, unreadCount: thread.count, labels: [], lastMessagePreview: preview(thread.last), lastActivityAt: now.toISOString(), createdAt: now.toISOString() });
  }
  const knownCards = [...new Set(fresh.map((i) => cardOf.get(i)!).filter((ref): ref is number => typeof ref === 'number'))];
  if (knownCards.length) await em.nativeUpdate(Contact, { id: { $in: knownCards } }, { lastActivityAt: now });

  // Messages, then what operators see: the conversation (created or updated) and the message.
  const rows = fresh.map((i) => {
    const inbound = batch[i]!;
    const thread = threads.get(messageKey(inbound.inboxId, threadOf(inbound)))!;
    return {
      conversation: thread.id!, inbox: inbound.inboxId, direction: 'in' as const, authorType: 'contact' as const, operator: null,
      text: inbound.text ?? null, html: inbound.html ? sanitizeCustomerHtml(inbound.html) : null, attachments: inbound.attachments,
      meta: inbound.meta ?? null,
      externalId: inbound.externalMessageId, replyToExternalId: inbound.replyToExternalId ?? null, status: 'received' as const,
      failureReason: null, private: false, sentAt: inbound.sentAt, createdAt: now,
    };
  });
  const messageIds = await insertRows(em, Message, rows);
  const announced = new Set<Thread>();
  fresh.forEach((i, n) => {
    const inbound = batch[i]!;
    const thread = threads.get(messageKey(inbound.inboxId, threadOf(inbound)))!;
    const row = rows[n]!;
    const message = messageDto({ ...row, id: messageIds[n]!, conversation: { id: thread.id! }, inbox: { id: inbound.inboxId } } as unknown as Message);
    if (!announced.has(thread)) {
      announced.add(thread);
      record(thread.existing ? 'conversation.updated' : 'conversation.created', inbound.inboxId, { conversation: views.get(thread)!, contact: { id: cardId(thread.card), name: thread.existing ? null : (typeof thread.card === 'number' ? null : thread.card.name) } });
    }
    record('message.created', inbound.inboxId, { message });
    results[i] = { message, conversationId: thread.id!, contactId: cardId(cardOf.get(i)!), duplicate: false };
  });

  for (const [copy, first] of copies) {
    const original = results[first]!;
    results[copy] = original instanceof Error ? original : { ...original, duplicate: true };
  }
  return results as (IngestResult | Error)[];
}

/** `{ inbox, <field>: { $in } }` per inbox: one OR-ed condition that indexes (inbox, field) serve. */
function byInbox<T extends { inboxId: number }>(items: T[], valueOf: (item: T) => string, field: 'externalId' | 'externalThreadId') {
  const groups = new Map<number, Set<string>>();
  for (const item of items) groups.set(item.inboxId, (groups.get(item.inboxId) ?? new Set()).add(valueOf(item)));
  return [...groups].map(([inbox, values]) => ({ inbox, [field]: { $in: [...values] } }));
}

function byKind(keys: IdentityKey[]) {
  const groups = new Map<string, string[]>();
  for (const { kind, value } of keys) groups.set(kind, [...(groups.get(kind) ?? []), value]);
  return [...groups].map(([kind, values]) => ({ kind, value: { $in: values } }));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function uniqueKeys(keys: IdentityKey[]): IdentityKey[] {
  return [...new Map(keys.map((key) => [identityKeyString(key), key])).values()];
}
