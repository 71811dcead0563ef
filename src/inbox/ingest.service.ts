import { DeadlockException, LockWaitTimeoutException, UniqueConstraintViolationException, type EntityManager, type MikroORM } from '@mikro-orm/core';
import type { InboundEdit, NormalizedInbound, StatusEvent } from '../../channels/channel-adapter.ts';
import { applyContactClaim } from '../contacts/contact-claim.ts';
import { resolveContact } from '../contacts/resolve-contact.ts';
import { notFound } from '../errors.ts';
import { Conversation, Inbox, Message, type MessageStatus } from '../store/entities/index.ts';
import { dialectOfEm } from '../store/sql.ts';
import { conversationDto, conversationWithLabels, messageDto } from './dto.ts';
import type { InboxEvents } from './events.ts';
import { storeBatch } from './ingest-batch.ts';
import { storeBatchPg } from './ingest-batch-pg.ts';
import { preview, threadOf, type IngestResult } from './ingest-plan.ts';
import { advanceStatus } from './message-status.ts';
import { joinReferencedConversation } from './reference-threading.ts';
import { sanitizeCustomerHtml } from './sanitize.ts';

export type { IngestResult } from './ingest-plan.ts';

/** Concurrent first messages from one new customer race to create the same card; the loser retries once it can see the winner's rows. */
const MAX_ATTEMPTS = 4;
/** Up to this many messages share one transaction. */
const MAX_BATCH = 128;

interface Waiting {
  inbound: NormalizedInbound;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

/** The one path every channel's inbound traffic takes into the store. */
export class IngestService {
  readonly #orm: MikroORM;
  readonly #events: InboxEvents;
  readonly #maxLanes: number;
  readonly #postgres: boolean;
  /** Inbox id → kind: an inbox never changes kind, and a deleted one makes the batch fail into the one-by-one path. */
  readonly #inboxKinds = new Map<number, string>();
  #waiting: Waiting[] = [];
  #lanes = 0;
  #fallbacks = 0;

  /** `lanes`: how many batches may be in flight at once (SQLite has one connection, so 1 there). */
  constructor(orm: MikroORM, events: InboxEvents, lanes = 1) {
    this.#orm = orm;
    this.#events = events;
    this.#maxLanes = lanes;
    this.#postgres = dialectOfEm(orm.em) === 'postgresql';
  }

  /**
   * Stores a customer message once, on the right card and conversation, and announces it.
   * Messages that arrive while a transaction is running wait and are stored together in the next
   * one (group commit): one message alone is stored at once, a burst costs a few statements per batch.
   */
  message(inbound: NormalizedInbound): Promise<IngestResult> {
    // Step 0: a signed deep link (Telegram `/start <claim>`) ties the sender to an existing card before cards are looked up.
    if (inbound.contactClaim) return applyContactClaim(this.#orm.em.fork(), inbound).then(() => this.message({ ...inbound, contactClaim: undefined }));
    // Step 1, before batching: a reply (email References) is moved into the conversation it answers.
    if (inbound.references?.length) return joinReferencedConversation(this.#orm.em.fork(), inbound).then((joined) => this.#enqueue(joined));
    return this.#enqueue(inbound);
  }

  #enqueue(inbound: NormalizedInbound): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ inbound, resolve, reject });
      if (this.#lanes < this.#maxLanes) {
        this.#lanes += 1;
        void this.#drain();
      }
    });
  }

  /** How many batches failed and were stored one message at a time (a clash with another writer, a bad message). */
  get fallbacks(): number {
    return this.#fallbacks;
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        // Let pending I/O run first: SQLite statements run synchronously, so without this the requests that
        // arrived during the last transaction would not be parsed yet and batches would stay tiny.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = this.#waiting.splice(0, MAX_BATCH);
        if (batch.length === 0) break; // another lane took them
        let results: (IngestResult | Error)[] | null = null;
        try {
          results = await this.#storeBatch(batch.map((w) => w.inbound));
        } catch {
          this.#fallbacks += 1;
          // A clash with another process, or one bad message: store them one by one, so each gets its own answer.
        }
        if (results) batch.forEach((w, i) => (results[i] instanceof Error ? w.reject(results[i]) : w.resolve(results[i] as IngestResult)));
        else for (const w of batch) await this.#storeAlone(w.inbound).then(w.resolve, w.reject);
      }
    } finally {
      this.#lanes -= 1;
    }
  }

  /** One transaction through the query builder (SQLite), or two plain statements on PostgreSQL (ingest-batch-pg.ts). */
  async #storeBatch(batch: NormalizedInbound[]): Promise<(IngestResult | Error)[]> {
    if (!this.#postgres) return this.#events.transaction(this.#orm.em.fork(), (em, record) => storeBatch(em, record, batch, this.#inboxKinds));
    const { results, events } = await storeBatchPg(this.#orm.em.fork(), batch, this.#inboxKinds);
    for (const event of events) this.#events.publish(event);
    return results;
  }

  async #storeAlone(inbound: NormalizedInbound): Promise<IngestResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#events.transaction(this.#orm.em.fork(), (em, record) => this.#store(em, record, inbound));
      } catch (error) {
        // Another transaction created the same card or conversation first (or the two waited on each other): try again.
        const clash = error instanceof UniqueConstraintViolationException || error instanceof DeadlockException || error instanceof LockWaitTimeoutException;
        if (!clash || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  async #store(em: EntityManager, record: Parameters<Parameters<InboxEvents['transaction']>[1]>[1], inbound: NormalizedInbound): Promise<IngestResult> {
    const existing = await em.findOne(Message, { inbox: inbound.inboxId, externalId: inbound.externalMessageId });
    if (existing) return { message: messageDto(existing), conversationId: existing.conversation.id, contactId: (await em.findOneOrFail(Conversation, existing.conversation.id)).contact.id, duplicate: true };

    const inbox = await em.findOne(Inbox, inbound.inboxId);
    if (!inbox) throw notFound('Inbox');
    const contact = await resolveContact(em, inbox, inbound.sender);
    const threadId = threadOf(inbound);
    const now = new Date();

    let conversation = await em.findOne(Conversation, { inbox, externalThreadId: threadId });
    const isNew = !conversation;
    conversation ??= em.create(Conversation, { inbox, contact, externalThreadId: threadId, externalUserId: inbound.sender.externalUserId, status: 'open' });
    // A customer writing again reopens a resolved or snoozed conversation.
    if (conversation.status === 'resolved' || conversation.status === 'snoozed') {
      conversation.status = 'open';
      conversation.snoozedUntil = null;
    }
    conversation.externalUserId = inbound.sender.externalUserId;
    conversation.unreadCount += 1;
    conversation.lastActivityAt = now;
    conversation.lastMessagePreview = preview(inbound);
    contact.lastActivityAt = now;

    const message = em.create(Message, {
      conversation,
      inbox,
      direction: 'in',
      authorType: 'contact',
      text: inbound.text ?? null,
      html: inbound.html ? sanitizeCustomerHtml(inbound.html) : null,
      attachments: inbound.attachments,
      meta: inbound.meta ?? null,
      externalId: inbound.externalMessageId,
      replyToExternalId: inbound.replyToExternalId ?? null,
      status: 'received',
      sentAt: inbound.sentAt,
    });
    await em.flush();

    const dto = messageDto(message);
    // A conversation created just now has no labels yet: skip that query on the hot path of a new customer.
    const conversationView = isNew ? conversationDto(conversation, []) : await conversationWithLabels(em, conversation);
    record(isNew ? 'conversation.created' : 'conversation.updated', inbox.id, { conversation: conversationView, contact: { id: contact.id, name: contact.name ?? null } });
    record('message.created', inbox.id, { message: dto });
    return { message: dto, conversationId: conversation.id, contactId: contact.id, duplicate: false };
  }

  /** The customer edited a message: the text changes, `editedAt` shows operators it was edited. Unknown messages are ignored. */
  async edit(edit: InboundEdit): Promise<{ updated: boolean }> {
    return this.#events.transaction(this.#orm.em.fork(), async (em, record) => {
      const message = await em.findOne(Message, { inbox: edit.inboxId, externalId: edit.externalMessageId, direction: 'in' });
      // An older edit arriving after a newer one must not roll the text back.
      if (!message || (message.editedAt && message.editedAt >= edit.editedAt)) return { updated: false };
      message.text = edit.text ?? null;
      message.editedAt = edit.editedAt;
      await em.flush();
      record('message.updated', edit.inboxId, { message: messageDto(message) });
      return { updated: true };
    });
  }

  /** Applies a delivery report; a status that would move a message backwards is ignored. */
  async status(event: StatusEvent): Promise<{ updated: boolean }> {
    const target: MessageStatus = event.status;
    return this.#events.transaction(this.#orm.em.fork(), async (em, record) => {
      const message = await em.findOne(Message, { inbox: event.inboxId, externalId: event.externalMessageId });
      if (!message || !(await advanceStatus(em, message, target, event.reason))) return { updated: false };
      record('message.updated', event.inboxId, { message: messageDto(message) });
      return { updated: true };
    });
  }
}
