import type { NormalizedInbound } from '../../channels/channel-adapter.ts';
import { identityKeyString, type IdentityKey } from '../contacts/identity.ts';
import { notFound } from '../errors.ts';
import type { Message } from '../store/entities/index.ts';
import { messageDto, type ConversationDto, type MessageDto } from './dto.ts';
import type { RecordEvent } from './events.ts';
import { sanitizeCustomerHtml } from './sanitize.ts';

/**
 * What a batch of customer messages changes, worked out in memory: which copies are duplicates, which card
 * each sender lands on, which conversations are new. Both batch writers share it (the portable one through
 * the query builder, the PostgreSQL one in two plain statements), so they store and announce the same things.
 */

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
export const messageKey = (inboxId: number, externalId: string) => `${inboxId}\u0000${externalId}`;
export const threadKey = (inbound: NormalizedInbound) => messageKey(inbound.inboxId, threadOf(inbound));
export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A card this batch creates; its id is known once the batch's contacts are inserted (or their ids drawn). */
export interface NewCard {
  id?: number;
  name: string | null;
}
export type CardRef = number | NewCard;
export const cardId = (ref: CardRef) => (typeof ref === 'number' ? ref : ref.id!);

/** One conversation the batch touches, with what its messages change. */
export interface Thread {
  inboxId: number;
  threadId: string;
  /** The conversation as it was before this batch, when it exists. */
  existing?: ConversationDto;
  id?: number;
  card: CardRef;
  count: number;
  last: NormalizedInbound;
}

export type Results = (IngestResult | Error | undefined)[];

/** The first copy of each (inbox, external id) is stored; later copies in the batch are its duplicates. Unknown inboxes get their error. */
export function firstCopies(batch: NormalizedInbound[], inboxes: Map<number, unknown>, results: Results) {
  const firstOf = new Map<string, number>();
  const copies: [copy: number, first: number][] = [];
  batch.forEach((inbound, i) => {
    if (!inboxes.has(inbound.inboxId)) return void (results[i] = notFound('Inbox'));
    const key = messageKey(inbound.inboxId, inbound.externalMessageId);
    const first = firstOf.get(key);
    if (first === undefined) firstOf.set(key, i);
    else copies.push([i, first]);
  });
  return { firstOf, copies };
}

/**
 * The card of each fresh message: the card that owns any of the sender's identities, else a new card.
 * `owner` holds the identities already stored; the ones this batch adds are added to it, so two messages
 * from one new sender (or two senders sharing a phone) land on one card.
 */
export function assignCards(batch: NormalizedInbound[], fresh: number[], keysOf: Map<number, IdentityKey[]>, owner: Map<string, CardRef>) {
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
  // Unique keys are inserted in one global order, so two concurrent batches wait on each other instead of deadlocking.
  newIdentities.sort((a, b) => compare(identityKeyString(a.key), identityKeyString(b.key)));
  const knownCards = [...new Set([...cardOf.values()].filter((ref): ref is number => typeof ref === 'number'))].sort((a, b) => a - b);
  return { cardOf, newCards, newIdentities, namesToFill, knownCards };
}

/** Conversations: one per (inbox, thread), with how many of the batch's messages it gets and the last of them. */
export function groupThreads(batch: NormalizedInbound[], fresh: number[], cardOf: Map<number, CardRef>): Map<string, Thread> {
  const threads = new Map<string, Thread>();
  for (const i of fresh) {
    const inbound = batch[i]!;
    const key = threadKey(inbound);
    const thread = threads.get(key) ?? { inboxId: inbound.inboxId, threadId: threadOf(inbound), card: cardOf.get(i)!, count: 0, last: inbound };
    thread.count += 1;
    thread.last = inbound;
    threads.set(key, thread);
  }
  return threads;
}

/** New conversations in one global order (see newIdentities). */
export const createdThreads = (threads: Map<string, Thread>) =>
  [...threads.values()].filter((t) => !t.existing).sort((a, b) => a.inboxId - b.inboxId || compare(a.threadId, b.threadId));

/** What an existing conversation's new messages change; a customer writing again reopens a resolved or snoozed conversation. */
export function threadChanges(thread: Thread, now: Date) {
  const reopen = thread.existing!.status === 'resolved' || thread.existing!.status === 'snoozed';
  return { lastActivityAt: now, lastMessagePreview: preview(thread.last), externalUserId: thread.last.sender.externalUserId, ...(reopen ? { status: 'open' as const, snoozedUntil: null } : {}) };
}

/** The conversation operators see after this batch. */
export function threadView(thread: Thread, now: Date): ConversationDto {
  const at = now.toISOString();
  if (!thread.existing) {
    return { id: thread.id!, inboxId: thread.inboxId, contactId: cardId(thread.card), externalThreadId: thread.threadId, status: 'open', snoozedUntil: null, assigneeId: null, teamId: null, unreadCount: thread.count, labels: [], lastMessagePreview: preview(thread.last), lastActivityAt: at, createdAt: at };
  }
  const view = thread.existing;
  const changes = threadChanges(thread, now);
  return { ...view, lastMessagePreview: changes.lastMessagePreview, status: changes.status ?? view.status, snoozedUntil: changes.status ? null : view.snoozedUntil, unreadCount: view.unreadCount + thread.count, lastActivityAt: at };
}

/** The row of a customer message (as the query builder takes it). */
export function messageRow(inbound: NormalizedInbound, conversation: number, now: Date) {
  return {
    conversation, inbox: inbound.inboxId, direction: 'in' as const, authorType: 'contact' as const, operator: null,
    text: inbound.text ?? null, html: inbound.html ? sanitizeCustomerHtml(inbound.html) : null, attachments: inbound.attachments,
    meta: inbound.meta ?? null,
    externalId: inbound.externalMessageId, replyToExternalId: inbound.replyToExternalId ?? null, status: 'received' as const,
    failureReason: null, private: false, sentAt: inbound.sentAt, createdAt: now,
  };
}
export type MessageRow = ReturnType<typeof messageRow>;

/**
 * What operators see, once every id is known: each touched conversation once (created or updated), then each
 * message; and each caller's result, in order. Later copies of a message get the first one's answer.
 */
export function announce(batch: NormalizedInbound[], fresh: number[], rows: MessageRow[], messageIds: number[], threads: Map<string, Thread>, cardOf: Map<number, CardRef>, now: Date, record: RecordEvent, results: Results, copies: [number, number][]) {
  const announced = new Set<Thread>();
  fresh.forEach((i, n) => {
    const inbound = batch[i]!;
    const thread = threads.get(threadKey(inbound))!;
    const message = messageDto({ ...rows[n]!, id: messageIds[n]!, conversation: { id: thread.id! }, inbox: { id: inbound.inboxId } } as unknown as Message);
    if (!announced.has(thread)) {
      announced.add(thread);
      const name = thread.existing || typeof thread.card === 'number' ? null : thread.card.name;
      record(thread.existing ? 'conversation.updated' : 'conversation.created', inbound.inboxId, { conversation: threadView(thread, now), contact: { id: cardId(thread.card), name } });
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
