import { UniqueConstraintViolationException, type EntityManager, type MikroORM } from '@mikro-orm/core';
import type { NormalizedInbound, StatusEvent } from '../../channels/channel-adapter.ts';
import { resolveContact } from '../contacts/resolve-contact.ts';
import { notFound } from '../errors.ts';
import { Conversation, Inbox, Message, type MessageStatus } from '../store/entities/index.ts';
import { conversationDto, conversationWithLabels, messageDto, type MessageDto } from './dto.ts';
import type { InboxEvents } from './events.ts';
import { advanceStatus } from './message-status.ts';
import { sanitizeCustomerHtml } from './sanitize.ts';

export interface IngestResult {
  message: MessageDto;
  conversationId: number;
  contactId: number;
  /** True when this event was already stored (a replayed webhook): nothing changed. */
  duplicate: boolean;
}

const PREVIEW_LENGTH = 140;
/** Concurrent first messages from one new customer race to create the same card; the loser retries once it can see the winner's rows. */
const MAX_ATTEMPTS = 4;

/** The one path every channel's inbound traffic takes into the store. */
export class IngestService {
  readonly #orm: MikroORM;
  readonly #events: InboxEvents;

  constructor(orm: MikroORM, events: InboxEvents) {
    this.#orm = orm;
    this.#events = events;
  }

  /** Stores a customer message once, on the right card and conversation, and announces it. */
  async message(inbound: NormalizedInbound): Promise<IngestResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#events.transaction(this.#orm.em.fork(), (em, record) => this.#store(em, record, inbound));
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  async #store(em: EntityManager, record: Parameters<Parameters<InboxEvents['transaction']>[1]>[1], inbound: NormalizedInbound): Promise<IngestResult> {
    const existing = await em.findOne(Message, { inbox: inbound.inboxId, externalId: inbound.externalMessageId });
    if (existing) return { message: messageDto(existing), conversationId: existing.conversation.id, contactId: (await em.findOneOrFail(Conversation, existing.conversation.id)).contact.id, duplicate: true };

    const inbox = await em.findOne(Inbox, inbound.inboxId);
    if (!inbox) throw notFound('Inbox');
    const contact = await resolveContact(em, inbox, inbound.sender);
    const threadId = inbound.externalThreadId ?? inbound.sender.externalUserId;
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

function preview(inbound: NormalizedInbound): string {
  const text = inbound.text?.trim() || (inbound.attachments.length ? `📎 ${inbound.attachments[0]?.name ?? 'attachment'}` : '');
  return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text;
}
