import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, nextEvent, TestServer, type Session } from '../helpers/test-server.ts';
import { openWidget, widgetInbox, type Visitor } from '../helpers/widget-visitor.ts';

describe('widget gateway', () => {
  let server: TestServer;
  let admin: Session;
  let url: string;
  const opened: Socket[] = [];
  const operatorSockets: Socket[] = [];

  beforeAll(async () => {
    server = await TestServer.start();
    url = await server.listen();
    admin = await server.login();
  });
  afterAll(async () => {
    for (const socket of [...opened, ...operatorSockets]) socket.disconnect();
    await server.close();
  });

  const api = (method: 'GET' | 'POST' | 'PATCH', path: string, payload?: object) => server.app.inject({ method, url: `/api/v1${path}`, headers: admin.headers, payload });
  async function visitor(auth: Record<string, unknown>, options: { origin?: string; ip?: string } = {}): Promise<Visitor> {
    const v = await openWidget(url, auth, options);
    opened.push(v.socket);
    return v;
  }
  const refusal = (auth: Record<string, unknown>, options: { origin?: string } = {}) =>
    openWidget(url, auth, options).then((v) => (v.socket.disconnect(), 'connected'), (error: Error) => error.message);
  async function operatorSocket() {
    const socket = await server.socket(admin);
    operatorSockets.push(socket);
    return socket;
  }

  describe('visitor sessions', () => {
    it('gives a new visitor a signed token, and the same visitor back for it after a reload', async () => {
      const inbox = await widgetInbox(server);
      const first = await visitor({ inboxId: inbox.id });
      expect(first.session).toMatchObject({ token: expect.any(String), visitorId: expect.stringMatching(/^a_/), verification: 'none', messages: [] });
      expect(first.session.settings).toMatchObject({ title: 'Chat with us' });
      expect(first.session.settings).not.toHaveProperty('enforceVerification');
      expect(await first.say('hello there')).toMatchObject({ message: { direction: 'in', text: 'hello there' } });
      first.socket.disconnect();

      const again = await visitor({ inboxId: inbox.id, token: first.session.token });
      expect(again.session.visitorId).toBe(first.session.visitorId);
      expect(again.session.messages.map((m) => m.text)).toEqual(['hello there']);
    });

    it('starts a new anonymous visitor for a forged token or one of another inbox', async () => {
      const inbox = await widgetInbox(server);
      const other = await widgetInbox(server);
      const owner = await visitor({ inboxId: inbox.id });
      const [payload, signature] = owner.session.token.split('.');
      const forged = `${Buffer.from(JSON.stringify({ i: inbox.id, v: 'a_someone-elses-visitor-id' })).toString('base64url')}.${signature}`;
      expect((await visitor({ inboxId: inbox.id, token: forged })).session.visitorId).not.toBe('a_someone-elses-visitor-id');
      expect((await visitor({ inboxId: other.id, token: `${payload}.${signature}` })).session.visitorId).not.toBe(owner.session.visitorId);
    });

    it('refuses widget settings an admin mistyped', async () => {
      const create = (settings: object) => api('POST', '/inboxes', { kind: 'webchat', name: 'Site', settings });
      expect((await create({ allowedOrigins: ['shop.example/path'] })).statusCode).toBe(400);
      expect((await create({ color: 'red; background: url(x)' })).statusCode).toBe(400);
      expect((await create({ allowedOrigins: ['https://shop.example'], color: '#0f766e' })).statusCode).toBe(201);
    });

    it('refuses an unknown inbox, a non-widget inbox, and a site not on the allowed origins', async () => {
      const api = await server.inbox('api');
      const inbox = await widgetInbox(server, { allowedOrigins: ['https://shop.example'] });
      expect(await refusal({ inboxId: 999_999 })).toBe('NOT_FOUND');
      expect(await refusal({ inboxId: api.id })).toBe('NOT_FOUND');
      expect(await refusal({ inboxId: inbox.id }, { origin: 'https://evil.example' })).toBe('ORIGIN_NOT_ALLOWED');
      expect(await refusal({ inboxId: inbox.id }, { origin: 'https://shop.example' })).toBe('connected');
    });

    it('lets any site open the widget while operators stay limited to PUBLIC_URL', async () => {
      const inbox = await widgetInbox(server);
      expect(await refusal({ inboxId: inbox.id }, { origin: 'https://any-site.example' })).toBe('connected');
      const operator = connect(`${url}/operators`, { auth: { token: admin.token }, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { origin: 'https://any-site.example' } });
      opened.push(operator);
      expect(await new Promise((resolve) => operator.once('connect_error', (e) => resolve(e.message)).once('connect', () => resolve('connected')))).toBe('FORBIDDEN_ORIGIN');
    });
  });

  describe('live both ways', () => {
    it('shows a visitor message to operators at once, and the operator reply in the widget at once', async () => {
      const inbox = await widgetInbox(server);
      const operator = await operatorSocket();
      const v = await visitor({ inboxId: inbox.id });
      const seen = nextEvent(operator, 'message.created', (e) => e.inboxId === inbox.id);
      await v.say('<b>is this in stock?</b>');
      const event = await seen;
      expect(event.message).toMatchObject({ direction: 'in', text: '<b>is this in stock?</b>', authorType: 'contact' });

      const shown = nextEvent(v.socket, 'message');
      const reply = await api('POST', `/conversations/${event.message.conversationId}/messages`, { text: 'Yes, 3 left' });
      expect(reply.statusCode).toBe(201);
      expect(await shown).toMatchObject({ id: reply.json().id, direction: 'out', text: 'Yes, 3 left' });
      await eventually(async () => (await api('GET', `/conversations/${event.message.conversationId}/messages`)).json().items.find((m: any) => m.id === reply.json().id)?.status === 'sent');
    });

    it('never shows operators\' private notes to the visitor, live or in the history', async () => {
      const inbox = await widgetInbox(server);
      const v = await visitor({ inboxId: inbox.id });
      const { message } = await v.say('hi');
      let pushed = 0;
      v.socket.on('message', () => pushed++);
      const note = await api('POST', `/conversations/${message.id && (await conversationOf(inbox.id))}/messages`, { text: 'internal: VIP customer', private: true });
      expect(note.statusCode).toBe(201);
      const reload = await visitor({ inboxId: inbox.id, token: v.session.token });
      expect(reload.session.messages.map((m) => m.text)).toEqual(['hi']);
      expect(pushed).toBe(0);
    });

    it('shows operator typing in the widget and visitor typing to operators', async () => {
      const inbox = await widgetInbox(server);
      const operator = await operatorSocket();
      const v = await visitor({ inboxId: inbox.id });
      await v.say('hello');
      const conversationId = await conversationOf(inbox.id);
      const visitorTyping = nextEvent(operator, 'typing', (e) => e.conversationId === conversationId);
      v.socket.emit('typing', { typing: true });
      expect(await visitorTyping).toMatchObject({ conversationId, typing: true, contactId: expect.any(Number) });
      const operatorTyping = nextEvent(v.socket, 'typing');
      operator.emit('typing', { conversationId, typing: true });
      expect(await operatorTyping).toEqual({ typing: true });
    });

    it('tells the visitor whether an operator is online, and when that changes', async () => {
      const inbox = await widgetInbox(server);
      const v = await visitor({ inboxId: inbox.id });
      // Other tests' operator sockets may still be open: close them all first.
      for (const socket of operatorSockets) socket.disconnect();
      await eventually(async () => (await visitor({ inboxId: inbox.id })).session.operatorsOnline === false);
      const online = nextEvent(v.socket, 'presence', (p) => p.operatorsOnline === true);
      const operator = await operatorSocket();
      await online;
      const offline = nextEvent(v.socket, 'presence', (p) => p.operatorsOnline === false);
      operator.disconnect();
      await offline;
    });

    it('after a reconnect the widget gets everything it missed, each message once', async () => {
      const inbox = await widgetInbox(server);
      const v = await visitor({ inboxId: inbox.id });
      await v.say('first');
      const conversationId = await conversationOf(inbox.id);
      v.socket.disconnect();
      await api('POST', `/conversations/${conversationId}/messages`, { text: 'sent while you were away' });
      await eventually(async () => (await api('GET', `/conversations/${conversationId}/messages`)).json().items.some((m: any) => m.status === 'sent'));
      const back = await visitor({ inboxId: inbox.id, token: v.session.token });
      const texts = back.session.messages.map((m) => m.text);
      expect(texts).toEqual(['first', 'sent while you were away']);
      expect(new Set(back.session.messages.map((m) => m.id)).size).toBe(2);
    });

    it('shows operators their reply as read once the visitor\'s widget reports it', async () => {
      const inbox = await widgetInbox(server);
      const operator = await operatorSocket();
      const v = await visitor({ inboxId: inbox.id });
      await v.say('hi');
      const conversationId = await conversationOf(inbox.id);
      const shown = nextEvent(v.socket, 'message');
      const read = nextEvent(operator, 'message.updated', (e) => e.message.status === 'read');
      const reply = (await api('POST', `/conversations/${conversationId}/messages`, { text: 'hello!' })).json();
      // As the widget does: at once, possibly before the worker has recorded the reply as sent.
      v.socket.emit('read', { upToId: (await shown).id });
      expect((await read).message.id).toBe(reply.id);
    });

    it('stores a message re-sent with the same clientId once', async () => {
      const inbox = await widgetInbox(server);
      const v = await visitor({ inboxId: inbox.id });
      const clientId = randomUUID();
      const first = await v.socket.timeout(5000).emitWithAck('message', { clientId, text: 'once' });
      const second = await v.socket.timeout(5000).emitWithAck('message', { clientId, text: 'once' });
      expect(second.message.id).toBe(first.message.id);
      const messages = (await api('GET', `/conversations/${await conversationOf(inbox.id)}/messages`)).json().items;
      expect(messages).toHaveLength(1);
    });
  });

  describe('limits', () => {
    it('refuses a message over the inbox\'s size limit, and an empty one', async () => {
      const inbox = await widgetInbox(server, { maxMessageChars: 20 });
      const v = await visitor({ inboxId: inbox.id });
      expect(await v.say('x'.repeat(21))).toMatchObject({ error: { code: 'MESSAGE_TOO_LONG' } });
      expect(await v.say('   ')).toMatchObject({ error: { code: 'VALIDATION' } });
      expect(await v.socket.timeout(5000).emitWithAck('message', { clientId: 'bad id!', text: 'x' })).toMatchObject({ error: { code: 'VALIDATION' } });
      expect(await v.say('x'.repeat(20))).toMatchObject({ message: { text: 'x'.repeat(20) } });
    });

    it('rate-limits one visitor\'s messages per minute', async () => {
      const inbox = await widgetInbox(server, { messagesPerMinute: 3 });
      const v = await visitor({ inboxId: inbox.id });
      for (let i = 0; i < 3; i++) expect(await v.say(`m${i}`)).toHaveProperty('message');
      expect(await v.say('one too many')).toMatchObject({ error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });
      // Another visitor is not held back by the first one's limit.
      expect(await (await visitor({ inboxId: inbox.id })).say('me too')).toHaveProperty('message');
    });

    it('rate-limits new conversations per IP address, not other addresses', async () => {
      const inbox = await widgetInbox(server, { conversationsPerHourPerIp: 2 });
      for (let i = 0; i < 2; i++) expect(await (await visitor({ inboxId: inbox.id }, { ip: '203.0.113.7' })).say('hi')).toHaveProperty('message');
      expect(await (await visitor({ inboxId: inbox.id }, { ip: '203.0.113.7' })).say('hi')).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      expect(await (await visitor({ inboxId: inbox.id }, { ip: '198.51.100.1' })).say('hi')).toHaveProperty('message');
    });

    it('refuses more widget connections per minute from one IP address than the inbox allows', async () => {
      const inbox = await widgetInbox(server, { sessionsPerMinutePerIp: 2 });
      for (let i = 0; i < 2; i++) (await visitor({ inboxId: inbox.id }, { ip: '192.0.2.44' })).socket.disconnect();
      expect(await openWidget(url, { inboxId: inbox.id }, { ip: '192.0.2.44' }).then(() => 'connected', (e: Error) => e.message)).toBe('RATE_LIMITED');
      expect(await refusal({ inboxId: inbox.id })).toBe('connected');
    });

    it('asks for the pre-chat form first when the inbox wants it, then takes the name and email onto the card', async () => {
      const inbox = await widgetInbox(server, { preChatForm: true });
      const v = await visitor({ inboxId: inbox.id });
      expect(v.session.preChatNeeded).toBe(true);
      expect(await v.say('hi')).toMatchObject({ error: { code: 'PRECHAT_REQUIRED' } });
      expect(await v.socket.timeout(5000).emitWithAck('profile', { name: 'Grace', email: 'not-an-email' })).toMatchObject({ error: { code: 'VALIDATION' } });
      expect(await v.socket.timeout(5000).emitWithAck('profile', { name: 'Grace', email: 'Grace@Example.com' })).toEqual({ ok: true });
      expect(await v.say('hi')).toHaveProperty('message');
      const conversation = (await api('GET', `/conversations/${await conversationOf(inbox.id)}`)).json();
      const contact = (await api('GET', `/contacts/${conversation.contactId ?? conversation.contact?.id}`)).json();
      expect(contact.name).toBe('Grace');
      expect(JSON.stringify(contact)).toContain('grace@example.com');
    });
  });

  /** The one conversation of a widget inbox (these tests use one visitor per inbox). */
  async function conversationOf(inboxId: number): Promise<number> {
    const list = (await api('GET', `/conversations?inboxId=${inboxId}`)).json();
    const found = list.items.find((c: any) => c.inboxId === inboxId);
    if (!found) throw new Error(`no conversation in inbox ${inboxId}`);
    return found.id;
  }
});
