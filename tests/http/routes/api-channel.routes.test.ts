import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, nextEvent, TestServer, type Session } from '../../helpers/test-server.ts';

interface Delivery {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP endpoint standing in for the integration's callback URL; answers with the scripted statuses. */
async function callbackReceiver(statuses: number[] = []) {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body });
      const status = statuses.shift() ?? 200;
      response.writeHead(status, status === 429 ? { 'retry-after': '1' } : {}).end(status === 200 ? JSON.stringify({ externalId: `ext-${deliveries.length}` }) : 'busy');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries, close: () => new Promise((r) => server.close(r)) };
}

describe('API channel', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await TestServer.start();
    admin = await server.login();
  });
  afterAll(() => server.close());

  const post = (inboxId: number, secret: string, payload: unknown) =>
    server.app.inject({ method: 'POST', url: `/api/v1/channels/api/${inboxId}/messages`, headers: { authorization: `Bearer ${secret}` }, payload: payload as object });

  it('stores a posted message on a new client card and pushes it live to an operator socket', async () => {
    const inbox = await server.inbox('api');
    const socket = await server.socket(admin);
    const created = nextEvent(socket, 'message.created');
    const response = await post(inbox.id, inbox.secret, { externalMessageId: 'm-1', sender: { externalUserId: 'u-1', name: 'Ada', email: 'ADA@example.com' }, text: 'Hello there' });
    expect(response.statusCode).toBe(201);
    const event = await created;
    expect(event.message).toMatchObject({ text: 'Hello there', direction: 'in', conversationId: response.json().conversationId });
    const card = await server.app.inject({ url: `/api/v1/contacts/${response.json().contactId}`, headers: admin.headers });
    expect(card.json()).toMatchObject({ name: 'Ada', identities: expect.arrayContaining([expect.objectContaining({ kind: 'email', value: 'ada@example.com' })]) });
  });

  it('stores one message when the same event is posted three times at once, and every call succeeds', async () => {
    const inbox = await server.inbox('api');
    const payload = { externalMessageId: 'dup-1', sender: { externalUserId: 'u-dup' }, text: 'once' };
    const responses = await Promise.all([1, 2, 3].map(() => post(inbox.id, inbox.secret, payload)));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 201]);
    expect(new Set(responses.map((r) => r.json().messageId)).size).toBe(1);
    const messages = await server.app.inject({ url: `/api/v1/conversations/${responses[0]!.json().conversationId}/messages`, headers: admin.headers });
    expect(messages.json().items).toHaveLength(1);
  });

  it('rejects a wrong token before reading the body', async () => {
    const inbox = await server.inbox('api');
    const response = await post(inbox.id, 'wrong', { not: 'even valid' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('stops accepting the old token as soon as the secret is rotated', async () => {
    const inbox = await server.inbox('api');
    expect((await post(inbox.id, inbox.secret, { externalMessageId: 'r-1', sender: { externalUserId: 'u-r' }, text: 'before' })).statusCode).toBe(201);
    const rotated = await server.app.inject({ method: 'POST', url: `/api/v1/inboxes/${inbox.id}/rotate-secret`, headers: admin.headers });
    const { secret } = rotated.json();
    expect((await post(inbox.id, inbox.secret, { externalMessageId: 'r-2', sender: { externalUserId: 'u-r' }, text: 'old token' })).statusCode).toBe(401);
    expect((await post(inbox.id, secret, { externalMessageId: 'r-3', sender: { externalUserId: 'u-r' }, text: 'new token' })).statusCode).toBe(201);
  });

  it('stores a burst of messages from many customers, each on its own card and conversation, and announces every one', async () => {
    const inbox = await server.inbox('api');
    const socket = await server.socket(admin);
    const seen = new Set<string>();
    socket.on('message.created', (event: { message: { text: string } }) => seen.add(event.message.text));
    const burst = Array.from({ length: 60 }, (_, i) => post(inbox.id, inbox.secret, { externalMessageId: `b-${i}`, sender: { externalUserId: `burst-${i % 20}`, name: `Customer ${i % 20}` }, text: `burst ${i}` }));
    const responses = await Promise.all(burst);
    expect(responses.filter((r) => r.statusCode !== 201).map((r) => r.body)).toEqual([]);
    // 20 customers wrote 3 times each: 20 cards, 20 conversations, 3 messages in each.
    expect(new Set(responses.map((r) => r.json().contactId)).size).toBe(20);
    const conversations = new Set(responses.map((r) => r.json().conversationId));
    expect(conversations.size).toBe(20);
    const one = (await server.app.inject({ url: `/api/v1/conversations/${[...conversations][0]}`, headers: admin.headers })).json();
    expect(one.unreadCount).toBe(3);
    await eventually(async () => seen.size === 60);
  });

  it('stores the rest of a burst when one message in it cannot be stored', async () => {
    const inbox = await server.inbox('api');
    const message = (i: number) => ({ inboxId: inbox.id, externalMessageId: `mixed-${i}`, sender: { externalUserId: `mixed-${i}` }, text: 'fine', attachments: [], sentAt: new Date() });
    // A channel bug hands over a message with no sender id and no thread: the database refuses it.
    const broken = { ...message(99), sender: {} as { externalUserId: string } };
    const outcomes = await Promise.allSettled([message(1), message(2), broken, message(3)].map((m) => server.services.ingest.message(m)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const list = (await server.app.inject({ url: `/api/v1/conversations?inboxId=${inbox.id}`, headers: admin.headers })).json();
    expect(list.items).toHaveLength(3);
  });

  it('rejects unknown fields and wrong types with a clear 400', async () => {
    const inbox = await server.inbox('api');
    const unknown = await post(inbox.id, inbox.secret, { externalMessageId: 'x', sender: { externalUserId: 'u' }, text: 'hi', colour: 'red' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('colour') });
    const wrongType = await post(inbox.id, inbox.secret, { externalMessageId: 42, sender: { externalUserId: 'u' } });
    expect(wrongType.statusCode).toBe(400);
  });

  it('delivers a reply to the callback URL, signed over the raw body, with a delivery id that stays the same across retries', async () => {
    const receiver = await callbackReceiver([503]);
    try {
      const inbox = await server.inbox('api', { settings: { callbackUrl: receiver.url } });
      const inbound = (await post(inbox.id, inbox.secret, { externalMessageId: 'q-1', sender: { externalUserId: 'u-cb' }, text: 'question' })).json();
      const reply = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${inbound.conversationId}/messages`, headers: admin.headers, payload: { text: 'answer' } });
      expect(reply.statusCode).toBe(201);
      expect(reply.json().status).toBe('queued');

      const sent = await eventually(async () => {
        const messages = (await server.app.inject({ url: `/api/v1/conversations/${inbound.conversationId}/messages`, headers: admin.headers })).json().items;
        return messages.find((m: { status: string }) => m.status === 'sent');
      });
      expect(sent.externalId).toBe('ext-2');
      expect(receiver.deliveries).toHaveLength(2);
      const [first, second] = receiver.deliveries;
      expect(first!.headers['x-crm-delivery']).toBe(second!.headers['x-crm-delivery']);
      const expected = createHmac('sha256', inbox.secret).update(`${second!.headers['x-crm-timestamp']}.${second!.body}`).digest('hex');
      expect(second!.headers['x-crm-signature']).toBe(`sha256=${expected}`);
      expect(JSON.parse(second!.body)).toMatchObject({ recipient: { externalUserId: 'u-cb' }, message: { text: 'answer' } });
    } finally {
      await receiver.close();
    }
  });
});
