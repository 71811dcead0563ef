import type { MikroORM } from '@mikro-orm/core';
import type { Server } from 'socket.io';
import { conversationFor, visibleInboxIds, type Actor } from '../inbox/access.ts';
import { toPublished } from '../inbox/events.ts';
import type { ChannelManager } from '../../channels/channel-manager.ts';
import { inboxConfig } from '../inbox/inboxes.service.ts';
import type { SessionsService } from '../operators/sessions.service.ts';
import { SESSION_COOKIE } from '../operators/sessions.service.ts';
import { InboxEvent, Inbox } from '../store/entities/index.ts';
import { ADMINS_ROOM, inboxRoom, OPERATOR_NAMESPACE, operatorRoom } from './rooms.ts';

/** How many events one `sync` answer carries; the client asks again while `hasMore`. */
const SYNC_PAGE = 500;
/**
 * On PostgreSQL, ids are taken when a transaction inserts but become visible when it commits, so
 * an event with a lower id can appear just after a higher one was pushed. `sync` therefore also
 * returns events from this many ms before the one the client last saw; clients drop ids they have.
 */
const SYNC_OVERLAP_MS = 5000;

interface Deps {
  orm: MikroORM;
  sessions: SessionsService;
  channels: ChannelManager;
}

/** Channels show "typing…" for a few seconds (Telegram: 5 s); one signal per conversation this often is enough. */
const CHANNEL_TYPING_EVERY_MS = 4000;

export const cookieValue = (header: string | undefined, name: string) =>
  header?.split(';').map((part) => part.trim().split('=')).find(([key]) => key === name)?.[1];

/** A logged event as `sync` returns it: the same shape as its live push (see fan-out.ts), plus `type`. */
function replayed(row: InboxEvent) {
  const { payload, ...meta } = toPublished(row);
  return { ...meta, ...payload };
}

/**
 * The operators' Socket.io namespace. A socket is authenticated once at the handshake (session
 * cookie or `auth.token`), joins the rooms of the inboxes its operator may see, and can ask for
 * everything it missed since an event id.
 */
export function attachOperatorGateway(io: Server, deps: Deps) {
  const nsp = io.of(OPERATOR_NAMESPACE);

  nsp.use(async (socket, next) => {
    const token = (socket.handshake.auth?.token as string | undefined) ?? cookieValue(socket.handshake.headers.cookie, SESSION_COOKIE);
    const actor = token ? await deps.sessions.authenticate(decodeURIComponent(token)).catch(() => null) : null;
    if (!actor || actor.role === 'marketer') return next(new Error(actor ? 'FORBIDDEN' : 'UNAUTHENTICATED'));
    socket.data.actor = actor;
    next();
  });

  /** The rooms an operator belongs in: all inboxes for admins, else the ones they may see. */
  async function roomsOf(actor: Actor): Promise<string[]> {
    if (actor.role === 'admin') return [ADMINS_ROOM];
    return ((await visibleInboxIds(deps.orm.em.fork(), actor)) ?? []).map(inboxRoom);
  }

  /** What happened after event `since`, in the inboxes this actor may see. */
  async function replay(actor: Actor, rawSince: unknown) {
    const since = Number(rawSince ?? 0);
    if (!Number.isInteger(since) || since < 0) return { error: { code: 'VALIDATION', message: 'since must be an event id (a whole number)' } };
    const em = deps.orm.em.fork();
    const visible = await visibleInboxIds(em, actor);
    const seen = since > 0 ? await em.findOne(InboxEvent, since, { fields: ['createdAt'] }) : null;
    const inVisible = visible === null ? {} : { inboxId: { $in: visible } };
    // Pages advance by id alone, so asking again with the last id always makes progress (even after a burst).
    const newer = await em.find(InboxEvent, { $and: [{ id: { $gt: since } }, inVisible] }, { orderBy: { id: 'asc' }, limit: SYNC_PAGE + 1 });
    // Plus the overlap: ids below `since` from just before it, which may have committed after it was pushed.
    const overlap = seen ? await em.find(InboxEvent, { $and: [{ id: { $lt: since } }, { createdAt: { $gte: new Date(seen.createdAt.getTime() - SYNC_OVERLAP_MS) } }, inVisible] }, { orderBy: { id: 'desc' }, limit: SYNC_PAGE }) : [];
    const rows = [...overlap.reverse(), ...newer.slice(0, SYNC_PAGE)];
    return { events: rows.map(replayed), hasMore: newer.length > SYNC_PAGE };
  }

  const lastChannelTyping = new Map<number, number>();
  setInterval(() => {
    for (const [id, at] of lastChannelTyping) if (at + CHANNEL_TYPING_EVERY_MS < Date.now()) lastChannelTyping.delete(id);
  }, 60_000).unref();

  nsp.on('connection', async (socket) => {
    const actor = socket.data.actor as Actor;

    /** `sync({ since })` → `{ events, hasMore }`: what happened after event `since`, in visible inboxes only. */
    socket.on('sync', async (request: { since?: unknown }, ack?: (answer: unknown) => void) => {
      if (typeof ack !== 'function') return;
      try {
        ack(await replay(actor, request?.since));
      } catch {
        ack({ error: { code: 'UNAVAILABLE', message: 'Could not read the event log just now; ask again' } });
      }
    });

    /** The operator is typing in a conversation: shown to the other operators who can see it. */
    socket.on('typing', async (request: { conversationId?: unknown; typing?: unknown }) => {
      const conversationId = Number(request?.conversationId);
      if (!Number.isInteger(conversationId)) return;
      try {
        const em = deps.orm.em.fork();
        const conversation = await conversationFor(em, actor, conversationId);
        const typing = request.typing !== false;
        socket.to([inboxRoom(conversation.inbox.id), ADMINS_ROOM]).emit('typing', { conversationId, operatorId: actor.id, typing });
        if (typing && (lastChannelTyping.get(conversationId) ?? 0) + CHANNEL_TYPING_EVERY_MS <= Date.now()) {
          lastChannelTyping.set(conversationId, Date.now());
          const inbox = await em.findOneOrFail(Inbox, conversation.inbox.id);
          const adapter = deps.channels.adapterFor(inboxConfig(inbox));
          await adapter.typing?.({ inboxId: inbox.id, externalThreadId: conversation.externalThreadId, externalUserId: conversation.externalUserId });
        }
      } catch {
        // Not visible to this operator (say nothing, as REST answers "not found"), or the channel's typing
        // signal failed: typing is a courtesy, never worth an error.
      }
    });

    // Handlers first, so a client that asks for `sync` the moment it connects is answered.
    try {
      await socket.join([operatorRoom(actor.id), ...(await roomsOf(actor))]);
    } catch {
      // Without its rooms the socket would silently miss events: better to drop it and let the client reconnect.
      socket.disconnect(true);
    }
  });

  /** Re-seats this process's own sockets; every other node does the same for its own when told. */
  async function refreshLocalRooms(): Promise<void> {
    const inboxes = await deps.orm.em.fork().find(Inbox, {}, { fields: ['id'] });
    const allInboxRooms = inboxes.map((i) => inboxRoom(i.id));
    const roomsByOperator = new Map<number, Promise<string[]>>();
    for (const socket of nsp.sockets.values()) {
      const actor = socket.data.actor as Actor;
      if (!roomsByOperator.has(actor.id)) roomsByOperator.set(actor.id, roomsOf(actor));
      const rooms = await roomsByOperator.get(actor.id)!;
      for (const room of allInboxRooms) if (!rooms.includes(room)) socket.leave(room);
      socket.join(rooms);
    }
  }
  // Asking every node for its sockets (fetchSockets) would wait on a node that died without saying
  // goodbye until its heartbeat times out; a one-way nudge lets each node re-seat its own sockets.
  nsp.on('rooms-changed', () => void refreshLocalRooms().catch(() => {}));

  return {
    /** Inbox membership, teams or roles changed: re-seat every connected operator in the rooms they may now see. */
    async refreshRooms(): Promise<void> {
      nsp.serverSideEmit('rooms-changed');
      await refreshLocalRooms();
    },
    /** An operator was deactivated or changed role: close their sockets (they reconnect and re-authenticate). */
    disconnectOperator(operatorId: number): void {
      nsp.in(operatorRoom(operatorId)).disconnectSockets(true);
    },
  };
}
