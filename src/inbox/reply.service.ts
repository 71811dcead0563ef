import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { ChannelManager } from '../../channels/channel-manager.ts';
import type { Queue } from 'bullmq';
import { attemptJobId, retriesOf, retryJobId, sendJobId, type SendMessageJob } from '../../workers/queues.ts';
import { AppError, badRequest, conflict, notFound } from '../errors.ts';
import type { AttachmentStore } from '../store/attachment-store.ts';
import { CannedResponse, Inbox, Message, type Attachment, type Conversation } from '../store/entities/index.ts';
import { conversationFor, type Actor } from './access.ts';
import { conversationWithLabels, messageDto, type MessageDto } from './dto.ts';
import type { InboxEvents, RecordEvent } from './events.ts';
import { inboxConfig } from './inboxes.service.ts';

export interface ReplyInput {
  text?: string;
  html?: string;
  private?: boolean;
  cannedResponseId?: number;
  replyToMessageId?: number;
  /** Files uploaded first with `POST /attachments`. */
  attachments?: { key: string }[];
  /** WhatsApp Cloud: send this approved template (the only thing allowed once the 24-hour window has closed). */
  whatsappTemplate?: { name: string; language: string; parameters: string[] };
}

/**
 * Where a reply goes: a conversation id (checked against what the actor may see), or a function that finds or
 * opens the conversation inside the reply's own transaction (a reply on another channel of the card), so a
 * refused reply leaves no empty conversation behind.
 */
export type ReplyTarget = number | ((em: EntityManager, record: RecordEvent) => Promise<Conversation>);

/** How long after the customer's last message a channel allows free-form replies (WhatsApp: 24 h), by inbox. */
export type ReplyWindowOf = (inbox: Inbox) => number | undefined;

/** Reads the window from the inbox's adapter capabilities; an inbox without an adapter has none. */
export const replyWindowOf = (channels: Pick<ChannelManager, 'adapterFor'>): ReplyWindowOf => (inbox) => {
  try {
    return channels.adapterFor(inboxConfig(inbox)).capabilities.replyWindowHours;
  } catch {
    return undefined;
  }
};

/**
 * An operator's reply or private note. The reply is stored as `queued` and its id handed to the
 * send-message queue; private notes are stored and shown to operators but never sent.
 */
export class ReplyService {
  readonly #orm: MikroORM;
  readonly #events: InboxEvents;
  readonly #queue: Queue<SendMessageJob>;
  readonly #files: AttachmentStore;
  readonly #replyWindowOf: ReplyWindowOf;

  constructor(orm: MikroORM, events: InboxEvents, queue: Queue<SendMessageJob>, files: AttachmentStore, replyWindowOf: ReplyWindowOf = () => undefined) {
    this.#orm = orm;
    this.#events = events;
    this.#queue = queue;
    this.#files = files;
    this.#replyWindowOf = replyWindowOf;
  }

  async reply(actor: Actor, target: ReplyTarget, input: ReplyInput): Promise<MessageDto> {
    const attachments = await this.#uploaded(input.attachments ?? []);
    const message = await this.#events.transaction(this.#orm.em.fork(), async (em, record) => {
      const conversation = typeof target === 'number' ? await conversationFor(em, actor, target) : await target(em, record);
      let text = input.text;
      if (input.cannedResponseId !== undefined) {
        const canned = await em.findOne(CannedResponse, input.cannedResponseId);
        if (!canned) throw notFound('Canned response');
        text = text ? `${text}\n${canned.content}` : canned.content;
      }
      const template = input.whatsappTemplate;
      if (template && input.private) throw badRequest('A private note cannot be a WhatsApp template');
      if (template && !text?.trim()) text = `[template ${template.name}] ${template.parameters.join(' · ')}`.trim();
      if (!text?.trim() && !input.html?.trim() && attachments.length === 0) throw badRequest('A reply needs text or a file');
      if (!input.private) await this.#checkReplyWindow(em, conversation.inbox.id, conversation.id, !!template);
      let replyToExternalId: string | null = null;
      if (input.replyToMessageId !== undefined) {
        const original = await em.findOne(Message, { id: input.replyToMessageId, conversation });
        if (!original) throw notFound('Message to reply to');
        replyToExternalId = original.externalId ?? null;
      }
      const isNote = input.private === true;
      const message = em.create(Message, {
        conversation,
        inbox: conversation.inbox,
        direction: 'out',
        authorType: 'operator',
        operator: actor.id,
        text: text ?? null,
        html: input.html ?? null,
        attachments,
        private: isNote,
        status: isNote ? 'note' : 'queued',
        replyToExternalId,
        meta: template ? { whatsappTemplate: template } : null,
      });
      if (!isNote) {
        conversation.lastActivityAt = new Date();
        conversation.lastMessagePreview = (text?.trim() || (attachments[0] ? `📎 ${attachments[0].name}` : '')).slice(0, 140);
      }
      await em.flush();
      const dto = messageDto(message);
      record('message.created', conversation.inbox.id, { message: dto });
      if (!isNote) record('conversation.updated', conversation.inbox.id, { conversation: await conversationWithLabels(em, conversation) });
      return dto;
    });
    if (!message.private) await this.enqueue(message.id);
    return message;
  }

  /**
   * Sends a failed reply again ("Retry"): it goes back to `queued` with one conditional UPDATE (so of two operators
   * pressing Retry at once only one wins) and onto the send queue, where the worker's claim sends it at most once.
   * Only a reply to the customer that failed for good qualifies: one still queued, on its way, or in doubt
   * (`unknown`: it may have reached the customer) is refused rather than risk a second copy.
   */
  async retry(actor: Actor, conversationId: number, messageId: number): Promise<MessageDto> {
    const em = this.#orm.em.fork();
    const conversation = await conversationFor(em, actor, conversationId);
    const found = await em.findOne(Message, { id: messageId, conversation });
    if (!found) throw notFound('Message');
    if (found.direction !== 'out' || found.private) throw new AppError('NOT_RETRYABLE', 'Only a reply to the customer can be sent again; this is a customer message or a private note');
    if (found.status !== 'failed') throw new AppError('NOT_FAILED', `Only a failed reply can be sent again; this one is ${found.status}`);
    const template = (found.meta as { whatsappTemplate?: unknown } | null)?.whatsappTemplate;
    await this.#checkReplyWindow(em, conversation.inbox.id, conversation.id, !!template);
    const reason = found.failureReason ?? null;
    // Counting attempts lets a client tell this `queued` from a stale one of the first attempt (statuses only rise within one).
    const meta = { ...found.meta, retries: retriesOf(found.meta) + 1 };
    const requeued = await this.#move(messageId, 'failed', 'queued', null, meta);
    if (!requeued) throw conflict('Someone else sent this reply again just now');
    try {
      await this.#queue.add('send', { messageId }, { jobId: retryJobId(messageId, meta.retries) });
    } catch (cause) {
      // Not queued: show it as failed again (with its reason), so the button is there to press once Redis is back.
      await this.#move(messageId, 'queued', 'failed', reason);
      throw new AppError('UNAVAILABLE', 'The reply could not be queued for sending just now; try again in a moment', { cause });
    }
    return requeued;
  }

  /** One conditional status change, pushed to operators as message.updated; null when the message was not in `from`. */
  async #move(messageId: number, from: 'failed' | 'queued', to: 'failed' | 'queued', failureReason: string | null, meta?: Record<string, unknown>): Promise<MessageDto | null> {
    return this.#events.transaction(this.#orm.em.fork(), async (em, record) => {
      const count = await em.nativeUpdate(Message, { id: messageId, status: from }, { status: to, failureReason, ...(meta ? { meta } : {}) });
      if (count === 0) return null;
      const message = await em.findOneOrFail(Message, messageId);
      const dto = messageDto(message);
      record('message.updated', message.inbox.id, { message: dto });
      return dto;
    });
  }

  /**
   * Outside the channel's reply window (WhatsApp: 24 hours since the customer last wrote) only templates may go out:
   * refused here, before anything is stored, rather than failing at the channel later.
   */
  async #checkReplyWindow(em: EntityManager, inboxId: number, conversationId: number, template: boolean): Promise<void> {
    const inbox = await em.findOneOrFail(Inbox, inboxId);
    if (template && inbox.kind !== 'whatsapp-cloud') throw badRequest('Only WhatsApp Cloud inboxes send templates');
    const hours = this.#replyWindowOf(inbox);
    if (!hours || template) return;
    const last = await em.findOne(Message, { conversation: conversationId, direction: 'in' }, { fields: ['createdAt'], orderBy: { id: 'desc' } });
    if (last && Date.now() - last.createdAt.getTime() < hours * 3_600_000) return;
    throw new AppError('REPLY_WINDOW_CLOSED', `The customer last wrote more than ${hours} hours ago, so this channel only accepts an approved template now: choose one (GET /api/v1/inboxes/${inboxId}/whatsapp-templates) and send it as whatsappTemplate`);
  }

  /** The stored files a reply refers to, with their names and types; an unknown key is a 400 before anything is written. */
  async #uploaded(refs: { key: string }[]): Promise<Attachment[]> {
    return Promise.all(refs.map(async ({ key }) => {
      const meta = await this.#files.meta(key);
      if (!meta) throw badRequest(`No uploaded file with key "${key}"; upload it with POST /api/v1/attachments first`);
      return { key: meta.key, name: meta.name, contentType: meta.contentType, size: meta.size };
    }));
  }

  /** Hands a stored reply to the send queue; the job id makes a second call for the same message a no-op. */
  async enqueue(messageId: number): Promise<void> {
    try {
      await this.#queue.add('send', { messageId }, { jobId: sendJobId(messageId) });
    } catch (cause) {
      // The reply is safe in the store as `queued`; `requeueStuck` hands it over again once Redis is back.
      throw new AppError('UNAVAILABLE', 'The reply was saved but could not be queued for sending yet; it will be sent when the queue is back', { cause });
    }
  }

  /** Re-enqueues replies left `queued` (e.g. Redis was down when they were written); run at worker start. */
  async requeueStuck(): Promise<number> {
    const stuck = await this.#orm.em.fork().find(Message, { status: 'queued', direction: 'out', private: false }, { fields: ['id', 'meta'], limit: 10_000 });
    for (const { id, meta } of stuck) await this.#queue.add('send', { messageId: id }, { jobId: attemptJobId(id, meta) });
    return stuck.length;
  }
}
