import type { MikroORM } from '@mikro-orm/core';
import type { Queue } from 'bullmq';
import { sendJobId, type SendMessageJob } from '../../workers/queues.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import type { AttachmentStore } from '../store/attachment-store.ts';
import { CannedResponse, Message, type Attachment } from '../store/entities/index.ts';
import { conversationFor, type Actor } from './access.ts';
import { conversationWithLabels, messageDto, type MessageDto } from './dto.ts';
import type { InboxEvents } from './events.ts';

export interface ReplyInput {
  text?: string;
  html?: string;
  private?: boolean;
  cannedResponseId?: number;
  replyToMessageId?: number;
  /** Files uploaded first with `POST /attachments`. */
  attachments?: { key: string }[];
}

/**
 * An operator's reply or private note. The reply is stored as `queued` and its id handed to the
 * send-message queue; private notes are stored and shown to operators but never sent.
 */
export class ReplyService {
  readonly #orm: MikroORM;
  readonly #events: InboxEvents;
  readonly #queue: Queue<SendMessageJob>;
  readonly #files: AttachmentStore;

  constructor(orm: MikroORM, events: InboxEvents, queue: Queue<SendMessageJob>, files: AttachmentStore) {
    this.#orm = orm;
    this.#events = events;
    this.#queue = queue;
    this.#files = files;
  }

  async reply(actor: Actor, conversationId: number, input: ReplyInput): Promise<MessageDto> {
    const attachments = await this.#uploaded(input.attachments ?? []);
    const message = await this.#events.transaction(this.#orm.em.fork(), async (em, record) => {
      const conversation = await conversationFor(em, actor, conversationId);
      let text = input.text;
      if (input.cannedResponseId !== undefined) {
        const canned = await em.findOne(CannedResponse, input.cannedResponseId);
        if (!canned) throw notFound('Canned response');
        text = text ? `${text}\n${canned.content}` : canned.content;
      }
      if (!text?.trim() && !input.html?.trim() && attachments.length === 0) throw badRequest('A reply needs text or a file');
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
    const stuck = await this.#orm.em.fork().find(Message, { status: 'queued', direction: 'out', private: false }, { fields: ['id'], limit: 10_000 });
    for (const { id } of stuck) await this.#queue.add('send', { messageId: id }, { jobId: sendJobId(id) });
    return stuck.length;
  }
}
