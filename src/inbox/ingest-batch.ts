import { raw, type EntityManager } from '@mikro-orm/core';
import type { NormalizedInbound } from '../../channels/channel-adapter.ts';
import { identityKeyString, senderIdentities, type IdentityKey } from '../contacts/identity.ts';
import { Contact, ContactIdentity, Conversation, Inbox, Message } from '../store/entities/index.ts';
import { insertRows } from '../store/insert-rows.ts';
import { conversationDto, labelsOf, messageDto } from './dto.ts';
import type { RecordEvent } from './events.ts';
import { announce, assignCards, preview, cardId, createdThreads, firstCopies, groupThreads, messageKey, messageRow, threadChanges, threadKey, type CardRef, type IngestResult, type Results } from './ingest-plan.ts';

/** Inbox id → kind for the batch's inboxes; fills `inboxKinds` (a cache) with the ones it had to read. */
export async function batchInboxes(em: EntityManager, batch: NormalizedInbound[], inboxKinds: Map<number, string>) {
  const ids = [...new Set(batch.map((b) => b.inboxId))];
  const unknown = ids.filter((id) => !inboxKinds.has(id));
  if (unknown.length) for (const inbox of await em.find(Inbox, { id: { $in: unknown } }, { fields: ['id', 'kind'] })) inboxKinds.set(inbox.id, inbox.kind);
  return new Map(ids.filter((id) => inboxKinds.has(id)).map((id) => [id, { id, kind: inboxKinds.get(id)! }]));
}

/**
 * Stores many customer messages in one transaction with a handful of set-based statements, whatever
 * the batch size: this is how ingest keeps up with bursts (group commit). Returns one result per input,
 * in order; an input for an unknown inbox gets its error, the others are stored. Any other failure
 * throws, and the caller stores the messages one by one instead. The portable path (SQLite);
 * PostgreSQL has its own in two statements (ingest-batch-pg.ts).
 */
export async function storeBatch(em: EntityManager, record: RecordEvent, batch: NormalizedInbound[], inboxKinds: Map<number, string>): Promise<(IngestResult | Error)[]> {
  const now = new Date();
  const results: Results = new Array(batch.length);
  const inboxes = await batchInboxes(em, batch, inboxKinds);
  const { firstOf, copies } = firstCopies(batch, inboxes, results);

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
  const { cardOf, newCards, newIdentities, namesToFill, knownCards } = assignCards(batch, fresh, keysOf, owner);
  const cardIds = await insertRows(em, Contact, newCards.map((card) => ({ name: card.name, customFields: {}, createdAt: now, updatedAt: now, lastActivityAt: now })));
  newCards.forEach((card, n) => (card.id = cardIds[n]));
  await insertRows(em, ContactIdentity, newIdentities.map(({ card, key }) => ({ contact: cardId(card), ...key, createdAt: now })));
  for (const [id, name] of namesToFill) await em.nativeUpdate(Contact, { id, name: null }, { name });

  // Conversations: new ones are inserted with their final counts.
  const threads = groupThreads(batch, fresh, cardOf);
  const found = threads.size ? await em.find(Conversation, { $or: byInbox([...threads.values()], (t) => t.threadId, 'externalThreadId') }) : [];
  const labels = await labelsOf(em, found.map((c) => c.id));
  for (const conversation of found) {
    const thread = threads.get(messageKey(conversation.inbox.id, conversation.externalThreadId))!;
    thread.existing = conversationDto(conversation, labels.get(conversation.id) ?? []);
    thread.id = conversation.id;
  }
  const created = createdThreads(threads);
  const conversationIds = await insertRows(em, Conversation, created.map((t) => ({
    inbox: t.inboxId, contact: cardId(t.card), externalThreadId: t.threadId, externalUserId: t.last.sender.externalUserId,
    status: 'open' as const, unreadCount: t.count, lastMessagePreview: preview(t.last), lastActivityAt: now, createdAt: now,
  })));
  created.forEach((t, n) => (t.id = conversationIds[n]));
  for (const thread of threads.values()) {
    if (!thread.existing) continue;
    // The unread count is incremented in SQL, so an operator marking it read at the same moment is not overwritten.
    await em.nativeUpdate(Conversation, { id: thread.id! }, { ...threadChanges(thread, now), unreadCount: raw('unread_count + ?', [thread.count]) });
  }
  if (knownCards.length) await em.nativeUpdate(Contact, { id: { $in: knownCards } }, { lastActivityAt: now });

  // Messages, then what operators see: the conversation (created or updated) and the message.
  const rows = fresh.map((i) => messageRow(batch[i]!, threads.get(threadKey(batch[i]!))!.id!, now));
  const messageIds = await insertRows(em, Message, rows);
  return announce(batch, fresh, rows, messageIds, threads, cardOf, now, record, results, copies);
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

export function uniqueKeys(keys: IdentityKey[]): IdentityKey[] {
  return [...new Map(keys.map((key) => [identityKeyString(key), key])).values()];
}
