import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import type { Server, Socket } from 'socket.io';
import type { InboundAttachment, InboundSink } from '../../channels/channel-adapter.ts';
import { toVisitorInbound } from '../../channels/webchat/visitor-inbound.ts';
import { verifyFileKey } from '../../channels/webchat/visitor-token.ts';
import { normalizeEmail } from '../contacts/identity.ts';
import type { IngestResult } from '../inbox/ingest.service.ts';
import type { AttachmentStore } from '../store/attachment-store.ts';
import { audienceOf, OPERATOR_NAMESPACE, visitorRoom, WIDGET_NAMESPACE, widgetInboxRoom } from './rooms.ts';
import { VisitorLimits } from './visitor-limits.ts';
import { Message } from '../store/entities/index.ts';
import { toVisitorMessage, visitorConversation, visitorHistory } from './widget-messages.ts';
import { openSession, publicSettings, SessionRefused, type VisitorSession, type WidgetAuth } from './widget-session.ts';

interface Deps {
  orm: MikroORM;
  sink: InboundSink;
  attachments: AttachmentStore;
  redis: Redis;
  redisPrefix: string;
  publicUrl: string;
}

type Ack = (answer: unknown) => void;
const fail = (code: string, message: string, extra: Record<string, unknown> = {}) => ({ error: { code, message, ...extra } });
const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;
const MAX_FILES = 5;
/** Operators see "typing…" from one signal per this long (the widget sends one per keystroke burst). */
const TYPING_EVERY_MS = 2000;
/** How many unread replies one `read` marks at most (the widget sends it whenever its window shows new ones). */
const READ_BATCH = 50;
const READ_ATTEMPTS = 5;
const READ_RETRY_MS = 500;
/** Operators' sockets come and go in bursts (a reload, a deploy): presence is recomputed once per burst. */
const PRESENCE_DEBOUNCE_MS = 300;

/** The address a visitor connects from: the first X-Forwarded-For hop, as the HTTP API trusts it (trustProxy). */
function clientIp(socket: Socket): string {
  const forwarded = socket.handshake.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first || socket.handshake.address;
}

/**
 * The visitors' Socket.io namespace (`/widget`). A visitor is authenticated at the handshake by a token the
 * server signs (kept in localStorage by the widget), optionally identified by the site (identifierHash), and
 * sits in its own room: replies from any node reach it through the Redis streams adapter. It never joins an
 * operator room, and operators' events (other conversations, notes) are never emitted here.
 */
export function attachWidgetGateway(io: Server, deps: Deps) {
  const nsp = io.of(WIDGET_NAMESPACE);
  const operators = io.of(OPERATOR_NAMESPACE);
  const limits = new VisitorLimits(deps.redis, deps.redisPrefix);

  nsp.use(async (socket, next) => {
    try {
      const session = await openSession(deps.orm.em.fork(), (socket.handshake.auth ?? {}) as WidgetAuth, socket.handshake.headers.origin);
      const ip = clientIp(socket);
      if (!(await limits.hit('session', `${session.inboxId}:${ip}`, session.settings.sessionsPerMinutePerIp, 60_000)).ok) return next(new Error('RATE_LIMITED'));
      socket.data.session = session;
      socket.data.ip = ip;
      next();
    } catch (error) {
      next(new Error(error instanceof SessionRefused ? error.code : 'UNAVAILABLE'));
    }
  });

  /** Whether anyone who may answer this inbox has the operator app open, on any node. */
  async function operatorsOnline(inboxId: number): Promise<boolean> {
    try {
      return (await operators.in(audienceOf(inboxId)).fetchSockets()).length > 0;
    } catch {
      return true; // Unknown: better not to tell the visitor nobody is there.
    }
  }

  nsp.on('connection', async (socket) => {
    const session = socket.data.session as VisitorSession;
    const inbox = { id: session.inboxId, secret: session.secret };
    let conversation: { id: number; contactId: number } | null = null;
    let lastTyping = 0;

    /** `message({ clientId, text?, attachments?: [{ key, sig }] })` → `{ message }` or `{ error }`. */
    socket.on('message', async (request: { clientId?: unknown; text?: unknown; attachments?: unknown }, ack?: Ack) => {
      const answer = typeof ack === 'function' ? ack : () => {};
      try {
        answer(await receive(request ?? {}));
      } catch {
        answer(fail('UNAVAILABLE', 'The message could not be saved just now; send it again'));
      }
    });

    async function receive(request: { clientId?: unknown; text?: unknown; attachments?: unknown }) {
      const { settings } = session;
      if (typeof request.clientId !== 'string' || !CLIENT_ID.test(request.clientId)) return fail('VALIDATION', 'clientId must be 8-64 letters, digits, - or _');
      const text = typeof request.text === 'string' ? request.text.trim() : '';
      if (request.text !== undefined && typeof request.text !== 'string') return fail('VALIDATION', 'text must be a string');
      if (text.length > settings.maxMessageChars) return fail('MESSAGE_TOO_LONG', `Messages are limited to ${settings.maxMessageChars} characters`);
      const files = request.attachments === undefined ? [] : request.attachments;
      if (!Array.isArray(files) || files.length > MAX_FILES) return fail('VALIDATION', `attachments must be a list of at most ${MAX_FILES} uploaded files`);
      const attachments: InboundAttachment[] = [];
      for (const file of files as { key?: unknown; sig?: unknown }[]) {
        const key = typeof file?.key === 'string' ? file.key : '';
        const meta = verifyFileKey(session.secret, key, file?.sig) ? await deps.attachments.meta(key) : null;
        if (!meta) return fail('VALIDATION', 'An attachment is not a file uploaded to this widget');
        attachments.push({ key: meta.key, name: meta.name, contentType: meta.contentType, size: meta.size });
      }
      if (!text && attachments.length === 0) return fail('VALIDATION', 'A message needs text or a file');

      const em = deps.orm.em.fork();
      const existing = conversation ?? (await visitorConversation(em, session.inboxId, session.visitorId));
      if (!existing && settings.preChatForm && !session.verified && (!session.name || !(session.email ?? session.unlinkedEmail))) {
        return fail('PRECHAT_REQUIRED', 'Tell us your name and email first');
      }
      const checks = [limits.hit('visitor', `${session.inboxId}:${session.visitorId}`, settings.messagesPerMinute, 60_000), limits.hit('ip', `${session.inboxId}:${socket.data.ip}`, settings.messagesPerMinutePerIp, 60_000)];
      if (!existing) checks.push(limits.hit('new-conversation', `${session.inboxId}:${socket.data.ip}`, settings.conversationsPerHourPerIp, 3_600_000));
      const refused = (await Promise.all(checks)).find((c) => !c.ok);
      if (refused) return fail('RATE_LIMITED', 'Too many messages; wait a little', { retryAfterMs: refused.retryAfterMs });

      const meta = session.unlinkedEmail ? { email: session.unlinkedEmail } : undefined;
      const result = (await deps.sink.message(toVisitorInbound(session, { clientId: request.clientId, text: text || undefined, attachments }, meta))) as IngestResult;
      conversation = { id: result.conversationId, contactId: result.contactId };
      const message = toVisitorMessage(result.message, inbox, deps.publicUrl);
      // The visitor's other tabs (or devices, when verified) show it too.
      if (!result.duplicate) socket.to(visitorRoom(session.inboxId, session.visitorId)).emit('message', message);
      return { message };
    }

    /** The visitor typed in the pre-chat or the offline form: used for their next messages (and on the card). */
    socket.on('profile', (request: { name?: unknown; email?: unknown }, ack?: Ack) => {
      const answer = typeof ack === 'function' ? ack : () => {};
      const name = typeof request?.name === 'string' ? request.name.trim().slice(0, 200) : '';
      const email = typeof request?.email === 'string' ? normalizeEmail(request.email) : null;
      if (typeof request?.email === 'string' && request.email.trim() && !email) return answer(fail('VALIDATION', 'That does not look like an email address'));
      if (name && !session.verified) session.name = name;
      if (email && !session.verified) {
        if (session.settings.enforceVerification) session.unlinkedEmail = email;
        else session.email = email;
      }
      answer({ ok: true });
    });

    /** `read({ upToId })`: the visitor saw the replies up to this id (the window was open): operators see them as read. */
    socket.on('read', async (request: { upToId?: unknown }) => {
      const upToId = Number(request?.upToId);
      if (!Number.isSafeInteger(upToId) || upToId < 1 || !conversation) return;
      await markRead(conversation.id, upToId, 1);
    });

    /**
     * The push reaches the widget a moment before the send worker records the reply as sent (and its external id,
     * which receipts go by): replies still on their way are looked at again shortly.
     */
    async function markRead(conversationId: number, upToId: number, attempt: number): Promise<void> {
      try {
        const unread = await deps.orm.em.fork().find(Message, { conversation: conversationId, direction: 'out', private: false, id: { $lte: upToId }, status: { $in: ['queued', 'sending', 'sent', 'delivered'] } }, { fields: ['externalId', 'status'], orderBy: { id: 'desc' }, limit: READ_BATCH });
        for (const message of unread) {
          if (message.externalId && (message.status === 'sent' || message.status === 'delivered')) await deps.sink.status({ inboxId: session.inboxId, externalMessageId: message.externalId, status: 'read', at: new Date() });
        }
        if (attempt < READ_ATTEMPTS && unread.some((m) => m.status === 'queued' || m.status === 'sending')) setTimeout(() => void markRead(conversationId, upToId, attempt + 1), READ_RETRY_MS).unref();
      } catch {
        // A receipt is a courtesy: the next `read` covers what this one missed.
      }
    }

    /** `typing({ typing })`: shown to the operators who can see the conversation. */
    socket.on('typing', async (request: { typing?: unknown }) => {
      const typing = request?.typing !== false;
      if (typing && lastTyping + TYPING_EVERY_MS > Date.now()) return;
      lastTyping = typing ? Date.now() : 0;
      try {
        if (!conversation) {
          const found = await visitorConversation(deps.orm.em.fork(), session.inboxId, session.visitorId);
          if (!found) return; // Nothing to show it on until the first message.
          conversation = { id: found.id, contactId: found.contact.id };
        }
        operators.to(audienceOf(session.inboxId)).emit('typing', { conversationId: conversation.id, contactId: conversation.contactId, typing });
      } catch {
        // A courtesy: never worth an error.
      }
    });

    // Handlers first, so a message sent the moment the widget connects is not lost.
    try {
      await socket.join([visitorRoom(session.inboxId, session.visitorId), widgetInboxRoom(session.inboxId)]);
      const em = deps.orm.em.fork();
      const found = await visitorConversation(em, session.inboxId, session.visitorId);
      if (found) conversation = { id: found.id, contactId: found.contact.id };
      socket.emit('session', {
        token: session.token,
        visitorId: session.visitorId,
        verification: session.verification,
        settings: publicSettings(session.settings),
        preChatNeeded: session.settings.preChatForm && !session.verified && !found && (!session.name || !(session.email ?? session.unlinkedEmail)),
        operatorsOnline: await operatorsOnline(session.inboxId),
        messages: await visitorHistory(em, found, inbox, deps.publicUrl),
      });
    } catch {
      socket.disconnect(true); // The widget reconnects and gets its history then.
    }
  });

  // Presence: an operator socket opening or closing on any node nudges every node to tell its own visitors.
  let presenceTimer: NodeJS.Timeout | undefined;
  function presenceChanged(): void {
    clearTimeout(presenceTimer);
    presenceTimer = setTimeout(() => void pushPresence().catch(() => {}), PRESENCE_DEBOUNCE_MS).unref();
  }
  async function pushPresence(): Promise<void> {
    const inboxIds = new Set<number>();
    for (const socket of nsp.sockets.values()) inboxIds.add((socket.data.session as VisitorSession).inboxId);
    for (const inboxId of inboxIds) nsp.local.to(widgetInboxRoom(inboxId)).emit('presence', { operatorsOnline: await operatorsOnline(inboxId) });
  }
  nsp.on('presence-changed', presenceChanged);
  operators.on('connection', (socket) => {
    const nudge = () => {
      nsp.serverSideEmit('presence-changed');
      presenceChanged();
    };
    nudge();
    socket.on('disconnect', nudge);
  });

  return {
    close(): void {
      clearTimeout(presenceTimer);
    },
  };
}
