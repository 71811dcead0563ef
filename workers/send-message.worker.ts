import type { MikroORM } from '@mikro-orm/core';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChannelCapabilities, OutboundMessage } from '../channels/channel-adapter.ts';
import { ChannelError } from '../channels/channel-error.ts';
import type { ChannelManager } from '../channels/channel-manager.ts';
import { messageDto } from '../src/inbox/dto.ts';
import type { InboxEvents } from '../src/inbox/events.ts';
import { inboxConfig } from '../src/inbox/inboxes.service.ts';
import { advanceStatus } from '../src/inbox/message-status.ts';
import { outboundThread } from '../src/inbox/outbound-thread.ts';
import { channelIdentity } from '../src/contacts/identity.ts';
import { Conversation, ContactIdentity, Inbox, Message, type MessageStatus } from '../src/store/entities/index.ts';
import { SEND_MESSAGE_QUEUE, type SendMessageJob } from './queues.ts';
import { RateLimiter } from './rate-limiter.ts';

export interface SendDeps {
  orm: MikroORM;
  events: InboxEvents;
  channels: ChannelManager;
  /** Keeps sends within the channel's declared limits; without it, sends are not throttled. */
  limiter?: RateLimiter;
}

/** The limits one send falls under: the chat's (Telegram: 1/s) and the account's (Telegram: 30/s per bot). */
export function sendLimits(capabilities: ChannelCapabilities, inboxId: number, threadId: string) {
  const { perThread, perAccount } = capabilities.rateLimits ?? {};
  return [
    ...(perThread ? [{ key: `${inboxId}:thread:${threadId}`, limit: perThread }] : []),
    ...(perAccount ? [{ key: `${inboxId}`, limit: perAccount }] : []),
  ];
}

const MAX_BACKOFF_MS = 5 * 60_000;

/** Waits what the channel asked for (Retry-After), else doubles from one second. */
export function channelBackoff(attemptsMade: number, _type?: string, error?: Error): number {
  if (error instanceof ChannelError && error.retryAfterMs !== undefined) return error.retryAfterMs;
  return Math.min(1000 * 2 ** Math.max(0, attemptsMade - 1), MAX_BACKOFF_MS);
}

/**
 * Sends one queued reply. The message is claimed with a conditional UPDATE (queued → sending)
 * before the channel is called, so a retried or duplicated job can never send it twice. A claim
 * that finds `sending` means an earlier attempt died mid-send: the outcome is unknown and a
 * person decides, rather than risking a second copy to the customer.
 */
export function sendMessageProcessor(deps: SendDeps) {
  return async (job: Job<SendMessageJob>, token?: string): Promise<string> => {
    const em = deps.orm.em.fork();
    const message = await em.findOne(Message, job.data.messageId);
    if (!message || message.private || message.direction !== 'out') return 'skipped';
    const conversation = await em.findOneOrFail(Conversation, message.conversation.id);
    const inbox = await em.findOneOrFail(Inbox, message.inbox.id);
    const adapter = deps.channels.adapterFor(inboxConfig(inbox));

    // Over the channel's rate limit: come back when a slot is free (a delay does not use up an attempt).
    // Only a message still waiting to be sent books a slot; one found mid-send is settled below without sending.
    if (message.status === 'queued' && deps.limiter && token) {
      const wait = await deps.limiter.reserveAll(sendLimits(adapter.capabilities, inbox.id, conversation.externalThreadId));
      if (wait > 0) {
        await job.moveToDelayed(Date.now() + wait, token);
        throw new DelayedError();
      }
    }

    const claimed = await em.nativeUpdate(Message, { id: message.id, status: 'queued' }, { status: 'sending' });
    if (claimed === 0) {
      await em.refresh(message);
      if (message.status === 'sending') {
        await settle(deps, message.id, 'unknown', 'The server stopped while this message was being sent; check the channel before sending it again.');
        return 'unknown';
      }
      return 'already-handled';
    }

    try {
      // Email threads by reference: the reply carries the subject and the ids of the messages before it.
      const thread = adapter.capabilities.threadsByReference ? await outboundThread(em, conversation.id, message.id) : undefined;
      const { externalId } = await adapter.send(
        { inboxId: inbox.id, externalThreadId: conversation.externalThreadId, externalUserId: conversation.externalUserId },
        { id: message.id, conversationId: conversation.id, text: message.text ?? undefined, html: message.html ?? undefined, attachments: message.attachments, replyToExternalId: message.replyToExternalId ?? undefined, whatsappTemplate: (message.meta as Pick<OutboundMessage, 'whatsappTemplate'> | null)?.whatsappTemplate, ...thread },
      );
      await settle(deps, message.id, 'sent', undefined, { externalId, sentAt: new Date() });
      return 'sent';
    } catch (thrown) {
      const error = ChannelError.from(thrown);
      const attempts = job.opts.attempts ?? 1;
      if (error.retryable && job.attemptsMade + 1 < attempts) {
        // Hand the message back so the next attempt can claim it, then let BullMQ back off.
        await em.nativeUpdate(Message, { id: message.id, status: 'sending' }, { status: 'queued', failureReason: error.message });
        throw error;
      }
      await settle(deps, message.id, 'failed', error.message);
      if (error.code === 'BLOCKED_BY_USER') await markUnreachable(deps.orm, inbox, conversation.externalUserId, error.message);
      return 'failed';
    }
  };
}

/** The customer blocked us on this channel: their card shows that identity as unreachable (campaigns skip it too). */
async function markUnreachable(orm: MikroORM, inbox: Inbox, externalUserId: string, reason: string): Promise<void> {
  await orm.em.fork().nativeUpdate(ContactIdentity, channelIdentity(inbox, externalUserId), { unreachableReason: reason });
}

async function settle(deps: SendDeps, messageId: number, status: MessageStatus, reason?: string, extra: { externalId?: string; sentAt?: Date } = {}): Promise<void> {
  await deps.events.transaction(deps.orm.em.fork(), async (em, record) => {
    const message = await em.findOneOrFail(Message, messageId);
    if (await advanceStatus(em, message, status, reason, extra)) record('message.updated', message.inbox.id, { message: messageDto(message) });
  });
}

export function startSendWorker(deps: SendDeps, connection: Redis, prefix: string, concurrency: number): Worker<SendMessageJob> {
  return new Worker<SendMessageJob>(SEND_MESSAGE_QUEUE, sendMessageProcessor({ ...deps, limiter: deps.limiter ?? new RateLimiter(connection, prefix) }), {
    connection,
    prefix,
    concurrency,
    settings: { backoffStrategy: channelBackoff },
  });
}
