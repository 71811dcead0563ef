import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, nextEvent, TestServer, type Session } from '../helpers/test-server.ts';

interface Pushed {
  type: string;
  id: number;
  inboxId: number;
  [key: string]: any;
}

/** Everything a socket is pushed, in arrival order (the operator app's view of the world). */
function record(socket: Socket): Pushed[] {
  const log: Pushed[] = [];
  socket.onAny((type: string, payload: Pushed) => log.push({ ...payload, type }));
  return log;
}

/** Connects to the operator namespace with raw options, resolving with the socket or the refusal message. */
function handshake(url: string, options: { token?: string; cookie?: string }): Promise<{ socket: Socket; error?: string }> {
  const socket = connect(`${url}/operators`, {
    auth: options.token !== undefined ? { token: options.token } : {},
    extraHeaders: options.cookie ? { cookie: options.cookie } : undefined,
    transports: ['websocket'],
    reconnection: false,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error) => resolve({ socket, error: error.message }));
  });
}

/** Resolves true if `event` arrives on the socket within `ms`, else false. */
function arrives(socket: Socket, event: string, ms = 600): Promise<boolean> {
  return nextEvent(socket, event, () => true, ms).then(() => true, () => false);
}

describe('operator gateway', () => {
  let server: TestServer;
  let admin: Session;
  let url: string;
  const opened: Socket[] = [];

  beforeAll(async () => {
    server = await TestServer.start();
    url = await server.listen();
    admin = await server.login();
  });
  afterAll(async () => {
    for (const socket of opened) socket.disconnect();
    await server.close();
  });

  /** A customer writing on a test inbox (in-memory channel). */
  async function customerWrites(inboxId: number, externalMessageId: string, text: string, externalUserId = 'customer-1') {
    const channel = await server.testChannel(inboxId);
    return (await channel.receive({ externalMessageId, sender: { externalUserId, name: 'Ada' }, text })) as { conversationId: number; message: { id: number } };
  }

  const api = (session: Session, method: 'GET' | 'POST' | 'PATCH', path: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${path}`, headers: session.headers, payload });

  describe('handshake', () => {
    it('accepts a session token in the handshake auth', async () => {
      const { socket, error } = await handshake(url, { token: admin.token });
      opened.push(socket);
      expect(error).toBeUndefined();
      expect(socket.connected).toBe(true);
    });

    it('accepts the session cookie a browser sends after logging in', async () => {
      const login = await server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'admin@crm.test', password: 'admin-password-1' } });
      const cookie = login.cookies.find((c) => c.name === 'crm_session');
      expect(cookie).toBeDefined();
      const { socket, error } = await handshake(url, { cookie: `theme=dark; crm_session=${cookie!.value}` });
      opened.push(socket);
      expect(error).toBeUndefined();
      // The cookie socket is a working operator socket, not just an open one.
      const answer = await socket.timeout(5000).emitWithAck('sync', { since: 0 });
      expect(answer).toMatchObject({ events: expect.any(Array), hasMore: expect.any(Boolean) });
    });

    it('refuses a missing or wrong token, and a marketer', async () => {
      const marketer = await server.operator('marketer');
      const refusals = await Promise.all([handshake(url, {}), handshake(url, { token: 'not-a-session' }), handshake(url, { cookie: 'crm_session=forged' }), handshake(url, { token: marketer.token })]);
      for (const { socket } of refusals) opened.push(socket);
      expect(refusals.map((r) => r.error)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'FORBIDDEN']);
    });
  });

  describe('live pushes', () => {
    it('pushes message.created for a customer message with an increasing numeric id', async () => {
      const inbox = await server.inbox('test');
      const socket = await server.socket(admin);
      const log = record(socket);
      await customerWrites(inbox.id, 'live-1', 'first');
      await customerWrites(inbox.id, 'live-2', 'second');
      const created = await eventually(async () => {
        const found = log.filter((e) => e.type === 'message.created' && e.inboxId === inbox.id);
        return found.length === 2 && found;
      });
      expect(created.map((e) => e.message.text)).toEqual(['first', 'second']);
      const ids = log.map((e) => e.id);
      expect(ids.every((id) => Number.isInteger(id))).toBe(true);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('pushes message.updated as a reply is sent by the worker and then reported delivered', async () => {
      const inbox = await server.inbox('test');
      const channel = await server.testChannel(inbox.id);
      const { conversationId } = await customerWrites(inbox.id, 'status-1', 'where is my parcel?');
      const socket = await server.socket(admin);

      const sent = nextEvent(socket, 'message.updated', (e) => e.message.conversationId === conversationId && e.message.status === 'sent');
      const reply = await api(admin, 'POST', `/conversations/${conversationId}/messages`, { text: 'on its way' });
      expect(reply.statusCode).toBe(201);
      const sentEvent = await sent;
      expect(sentEvent.message).toMatchObject({ id: reply.json().id, text: 'on its way', direction: 'out' });
      expect(channel.sent.map((s) => s.message.text)).toContain('on its way');

      const delivered = nextEvent(socket, 'message.updated', (e) => e.message.id === reply.json().id && e.message.status === 'delivered');
      await channel.report(sentEvent.message.externalId, 'delivered');
      const deliveredEvent = await delivered;
      expect(deliveredEvent.id).toBeGreaterThan(sentEvent.id);
    });

    it('pushes conversation.updated for status, assignee, labels and unread counts', async () => {
      const inbox = await server.inbox('test');
      const operator = await server.operator('operator');
      await api(admin, 'PATCH', `/inboxes/${inbox.id}`, { memberIds: [operator.operatorId] });
      const { conversationId } = await customerWrites(inbox.id, 'conv-1', 'hello', 'customer-conv');
      const socket = await server.socket(admin);
      const updated = (predicate: (c: any) => boolean) => nextEvent(socket, 'conversation.updated', (e) => e.conversation.id === conversationId && predicate(e.conversation)).then((e) => e.conversation);

      let next = updated((c) => c.unreadCount === 2);
      await customerWrites(inbox.id, 'conv-2', 'anyone there?', 'customer-conv');
      expect(await next).toMatchObject({ lastMessagePreview: 'anyone there?' });

      next = updated((c) => c.status === 'pending');
      await api(admin, 'PATCH', `/conversations/${conversationId}`, { status: 'pending' });
      await next;

      next = updated((c) => c.assigneeId === operator.operatorId);
      await api(admin, 'PATCH', `/conversations/${conversationId}`, { assigneeId: operator.operatorId });
      await next;

      next = updated((c) => c.labels.includes('vip'));
      await api(admin, 'POST', `/conversations/${conversationId}/labels`, { labels: ['vip', 'billing'] });
      expect((await next).labels).toEqual(['billing', 'vip']);

      next = updated((c) => c.unreadCount === 0);
      await api(operator, 'POST', `/conversations/${conversationId}/read`);
      expect(await next).toMatchObject({ status: 'pending', assigneeId: operator.operatorId, labels: ['billing', 'vip'] });
    });

    it('only pushes an inbox\'s events to operators who may see that inbox', async () => {
      const mine = await server.inbox('test');
      const other = await server.inbox('test');
      const operator = await server.operator('operator');
      await api(admin, 'PATCH', `/inboxes/${mine.id}`, { memberIds: [operator.operatorId] });
      const socket = await server.socket(operator);
      const log = record(socket);
      await customerWrites(other.id, 'hidden-1', 'not for you');
      await customerWrites(mine.id, 'seen-1', 'for you');
      await eventually(async () => log.some((e) => e.type === 'message.created' && e.message.text === 'for you'));
      expect(log.filter((e) => e.inboxId !== mine.id)).toEqual([]);
    });
  });

  it('keeps two installations that share one Redis apart (an admin of one gains nothing in the other)', async () => {
    // Two fresh installs, so operator ids line up: #2 is a plain operator in A and an admin in B.
    const a = await TestServer.start({ workers: false });
    const b = await TestServer.start({ workers: false });
    try {
      const [plain, twin] = [await a.operator('operator'), await b.operator('admin')];
      expect(twin.operatorId).toBe(plain.operatorId);
      await b.socket(twin);
      const plainLog = record(await a.socket(plain));
      const adminLog = record(await a.socket(await a.login()));

      // Creating an inbox re-seats A's connected operators; B's sockets must not count.
      const inbox = await a.inbox('test');
      await (await a.testChannel(inbox.id)).receive({ externalMessageId: 'install-1', sender: { externalUserId: 'c' }, text: 'members only' });
      await eventually(async () => adminLog.some((e) => e.type === 'message.created'));
      expect(plainLog).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000); // two servers with migrations and three argon2 logins: slow on a busy machine

  describe('typing', () => {
    it('shows an operator typing to the other operators of the inbox, not to themselves nor to outsiders', async () => {
      const inbox = await server.inbox('test');
      const [a, b, outsider] = await Promise.all([server.operator('operator'), server.operator('operator'), server.operator('operator')]);
      await api(admin, 'PATCH', `/inboxes/${inbox.id}`, { memberIds: [a.operatorId, b.operatorId] });
      const { conversationId } = await customerWrites(inbox.id, 'typing-1', 'hi', 'customer-typing');
      const [socketA, socketB, socketOut, socketAdmin] = await Promise.all([server.socket(a), server.socket(b), server.socket(outsider), server.socket(admin)]);

      const seenByB = nextEvent(socketB, 'typing');
      const seenByAdmin = nextEvent(socketAdmin, 'typing');
      const echoed = arrives(socketA, 'typing');
      const leaked = arrives(socketOut, 'typing');
      socketA.emit('typing', { conversationId, typing: true });
      expect(await seenByB).toEqual({ conversationId, operatorId: a.operatorId, typing: true });
      expect(await seenByAdmin).toMatchObject({ conversationId, operatorId: a.operatorId });
      expect(await echoed).toBe(false);
      expect(await leaked).toBe(false);

      const stopped = nextEvent(socketB, 'typing', (e) => e.typing === false);
      socketA.emit('typing', { conversationId, typing: false });
      expect(await stopped).toMatchObject({ conversationId, operatorId: a.operatorId });
    });

    it('shows the customer on their channel that an operator is typing, once per few seconds however often the operator types', async () => {
      const inbox = await server.inbox('test');
      const { conversationId } = await customerWrites(inbox.id, 'typing-channel', 'hi', 'customer-sees-typing');
      const socket = await server.socket(admin);
      for (let i = 0; i < 5; i++) socket.emit('typing', { conversationId, typing: true });
      const channel = await server.testChannel(inbox.id);
      await eventually(async () => channel.typings.length > 0);
      await new Promise((r) => setTimeout(r, 300));
      expect(channel.typings).toEqual([{ inboxId: inbox.id, externalThreadId: 'customer-sees-typing', externalUserId: 'customer-sees-typing' }]);
    });

    it('ignores typing on a conversation the operator cannot see', async () => {
      const hidden = await server.inbox('test');
      const outsider = await server.operator('operator');
      const { conversationId } = await customerWrites(hidden.id, 'typing-hidden', 'hi', 'customer-hidden');
      const [socketOut, socketAdmin] = await Promise.all([server.socket(outsider), server.socket(admin)]);
      const relayed = arrives(socketAdmin, 'typing');
      socketOut.emit('typing', { conversationId, typing: true });
      expect(await relayed).toBe(false);
    });
  });

  describe('catch-up after a reconnect', () => {
    it('returns exactly the events missed while disconnected, in order, and none from inboxes the operator cannot see', async () => {
      const mine = await server.inbox('test');
      const other = await server.inbox('test');
      const operator = await server.operator('operator');
      await api(admin, 'PATCH', `/inboxes/${mine.id}`, { memberIds: [operator.operatorId] });
      // The admin stays connected throughout: its log is the truth the operator must catch up to.
      const adminLog = record(await server.socket(admin));

      const first = await server.socket(operator);
      const seenLog = record(first);
      await customerWrites(mine.id, 'before-1', 'before the drop', 'customer-catchup');
      await eventually(async () => seenLog.some((e) => e.type === 'message.created'));
      const seen = new Set(seenLog.map((e) => e.id));
      const lastSeenId = Math.max(...seen);
      first.disconnect();

      await customerWrites(mine.id, 'missed-1', 'missed one', 'customer-catchup');
      await customerWrites(other.id, 'elsewhere-1', 'not yours', 'customer-elsewhere');
      await customerWrites(mine.id, 'missed-2', 'missed two', 'customer-catchup');
      await api(admin, 'PATCH', `/conversations/${(await customerWrites(mine.id, 'missed-3', 'missed three', 'customer-catchup')).conversationId}`, { status: 'resolved' });
      const missed = await eventually(async () => {
        const mineAfter = adminLog.filter((e) => e.id > lastSeenId && e.inboxId === mine.id);
        return mineAfter.some((e) => e.type === 'conversation.updated' && e.conversation.status === 'resolved') && mineAfter;
      });

      const again = await server.socket(operator);
      const answer: { events: Pushed[]; hasMore: boolean } = await again.timeout(5000).emitWithAck('sync', { since: lastSeenId });
      expect(answer.hasMore).toBe(false);
      const ids = answer.events.map((e) => e.id);
      expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
      expect(answer.events.every((e) => e.inboxId === mine.id)).toBe(true);

      // The client drops what it already has (sync may repeat a few recent events on purpose).
      const caughtUp = answer.events.filter((e) => !seen.has(e.id));
      expect(caughtUp.map((e) => [e.id, e.type])).toEqual(missed.map((e) => [e.id, e.type]));
      expect(caughtUp.filter((e) => e.type === 'message.created').map((e) => e.message.text)).toEqual(['missed one', 'missed two', 'missed three']);
      // Same shape as the live push, so the app can apply either the same way.
      expect(caughtUp.at(-1)).toEqual(missed.at(-1));
    });

    it('answers a bad `since` with an error object', async () => {
      const socket = await server.socket(admin);
      for (const since of ['yesterday', -1, 1.5]) {
        const answer = await socket.timeout(5000).emitWithAck('sync', { since });
        expect(answer).toEqual({ error: { code: 'VALIDATION', message: expect.stringContaining('since') } });
      }
    });

    it('answers a `since` beyond any event id with nothing, and keeps serving', async () => {
      const socket = await server.socket(admin);
      for (const since of [2 ** 31, Number.MAX_SAFE_INTEGER]) {
        const answer = await socket.timeout(5000).emitWithAck('sync', { since });
        expect(answer).toEqual({ events: [], hasMore: false });
      }
      expect(await socket.timeout(5000).emitWithAck('sync', { since: 0 })).toMatchObject({ events: expect.any(Array) });
    });

    it('pages a long gap with hasMore until the client has every event', async () => {
      const inbox = await server.inbox('test');
      const socket = await server.socket(admin);
      // 260 customer messages make 520 events: more than one 500-event page.
      const channel = await server.testChannel(inbox.id);
      for (let i = 0; i < 260; i++) await channel.receive({ externalMessageId: `bulk-${i}`, sender: { externalUserId: `bulk-${i % 7}` }, text: `bulk ${i}` });

      const got = new Map<number, Pushed>();
      let since = 0;
      let pages = 0;
      for (;;) {
        const answer = await socket.timeout(5000).emitWithAck('sync', { since });
        pages++;
        for (const event of answer.events) got.set(event.id, event);
        since = Math.max(since, ...answer.events.map((e: Pushed) => e.id));
        if (!answer.hasMore) break;
        expect(pages).toBeLessThan(10);
      }
      expect(pages).toBeGreaterThan(1);
      const bulkTexts = [...got.values()].filter((e) => e.type === 'message.created' && e.inboxId === inbox.id).map((e) => e.message.text);
      expect(bulkTexts).toHaveLength(260);
      expect(bulkTexts[259]).toBe('bulk 259');
    }, 60_000);
  });
});
