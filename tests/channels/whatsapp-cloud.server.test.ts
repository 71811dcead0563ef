import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../channels/whatsapp-cloud/whatsapp-cloud.adapter.ts';
import { Message } from '../../src/store/entities/index.ts';
import { SETUP_TIMEOUT_MS, TEST_TIMEOUT_MS } from '../helpers/channel-context.ts';
import { cloudWebhook, fakeGraphApi } from '../helpers/fake-graph-api.ts';
import { eventually, TestServer, type Session } from '../helpers/test-server.ts';

const APP_SECRET = 'app-secret-2';
let graph: Awaited<ReturnType<typeof fakeGraphApi>>;
let server: TestServer;
let admin: Session;
let inboxId: number;

beforeAll(async () => {
  graph = await fakeGraphApi();
  server = await TestServer.start();
  admin = await server.login();
  const created = await server.app.inject({
    method: 'POST', url: '/api/v1/inboxes', headers: admin.headers,
    payload: { kind: 'whatsapp-cloud', name: 'WhatsApp support', settings: { phoneNumberId: graph.phoneNumberId, businessAccountId: graph.businessAccountId, graphApiUrl: graph.url }, credentials: { accessToken: graph.token, appSecret: APP_SECRET, verifyToken: 'hello-meta' } },
  });
  expect(created.statusCode, created.body).toBe(201);
  inboxId = created.json().id;
}, SETUP_TIMEOUT_MS);
afterAll(async () => {
  await server?.close();
  await graph?.close();
});

const post = (body: unknown, secret = APP_SECRET) => {
  const raw = JSON.stringify(body);
  return server.app.inject({ method: 'POST', url: `/api/v1/channels/${inboxId}/webhook`, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(secret, raw) }, payload: raw });
};
const customerWrites = (from: string, id: string, text: string) =>
  post(cloudWebhook(graph.phoneNumberId, { contacts: [{ profile: { name: 'Linus' }, wa_id: from }], messages: [{ from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }] }));

async function conversationOf(from: string) {
  return eventually(async () => {
    const list = await server.app.inject({ method: 'GET', url: `/api/v1/conversations?inboxId=${inboxId}`, headers: admin.headers });
    return list.json().items.find((c: { externalThreadId: string }) => c.externalThreadId === from);
  });
}
const messagesOf = async (conversationId: number) =>
  (await server.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}/messages`, headers: admin.headers })).json().items as { id: number; text: string; status: string; direction: string; externalId?: string; failureReason?: string }[];

describe('a WhatsApp Cloud inbox', { timeout: TEST_TIMEOUT_MS }, () => {
  it('names itself from the phone number profile when saved, and answers the webhook handshake', async () => {
    const inbox = await server.app.inject({ method: 'GET', url: `/api/v1/inboxes/${inboxId}`, headers: admin.headers });
    expect(inbox.json().settings.displayName).toBe('Acme Support +1 555-0100');
    const ok = await server.app.inject({ method: 'GET', url: `/api/v1/channels/${inboxId}/webhook?hub.mode=subscribe&hub.verify_token=hello-meta&hub.challenge=42424242` });
    expect([ok.statusCode, ok.body]).toEqual([200, '42424242']);
    const wrong = await server.app.inject({ method: 'GET', url: `/api/v1/channels/${inboxId}/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1` });
    expect(wrong.statusCode).toBe(403);
  });

  it('puts a customer message on the card that already has that phone, once however often Meta replays it', async () => {
    const card = await server.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: admin.headers, payload: { name: 'Linus T.', identities: [{ kind: 'phone', value: '+358401234567' }] } });
    expect(card.statusCode, card.body).toBe(201);
    for (let i = 0; i < 3; i++) expect((await customerWrites('358401234567', 'wamid.replayed', 'Hello from Helsinki')).statusCode).toBe(200);
    const conversation = await conversationOf('358401234567');
    expect(conversation.contactId).toBe(card.json().id);
    expect((await messagesOf(conversation.id)).map((m) => m.text)).toEqual(['Hello from Helsinki']);
  });

  it('refuses a badly signed webhook with 401 and stores nothing', async () => {
    const response = await post(cloudWebhook(graph.phoneNumberId, { messages: [{ from: '15550000001', id: 'wamid.forged', timestamp: '1764000000', type: 'text', text: { body: 'forged' } }] }), 'not-the-secret');
    expect(response.statusCode).toBe(401);
    expect(await server.runtime.orm.em.fork().count(Message, { externalId: 'wamid.forged' })).toBe(0);
  });

  it('sends an operator reply through the Graph API, and its statuses only move forward when they arrive out of order', async () => {
    await customerWrites('4930123456', 'wamid.berlin-1', 'Where is my parcel?');
    const conversation = await conversationOf('4930123456');
    const reply = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversation.id}/messages`, headers: admin.headers, payload: { text: 'On its way!' } });
    expect(reply.statusCode, reply.body).toBe(201);
    const sent = await eventually(async () => (await messagesOf(conversation.id)).find((m) => m.text === 'On its way!' && m.status === 'sent'));
    expect(graph.sent.at(-1)).toMatchObject({ to: '4930123456', text: { body: 'On its way!' } });

    const report = (status: string, ts: number) => post(cloudWebhook(graph.phoneNumberId, { statuses: [{ id: sent.externalId, status, timestamp: String(ts), recipient_id: '4930123456' }] }));
    expect((await report('read', 1764000002)).statusCode).toBe(200);
    expect((await report('delivered', 1764000001)).statusCode).toBe(200);
    expect((await report('sent', 1764000000)).statusCode).toBe(200);
    await eventually(async () => (await messagesOf(conversation.id)).find((m) => m.id === sent.id && m.status === 'read'));
    await new Promise((r) => setTimeout(r, 200));
    expect((await messagesOf(conversation.id)).find((m) => m.id === sent.id)!.status).toBe('read');
  });

  it('refuses a free-form reply once the customer has been silent for 24 hours, and sends an approved template instead', async () => {
    await customerWrites('33612345678', 'wamid.paris-1', 'Bonjour');
    const conversation = await conversationOf('33612345678');
    await server.runtime.orm.em.fork().nativeUpdate(Message, { externalId: 'wamid.paris-1' }, { createdAt: new Date(Date.now() - 25 * 3_600_000) });

    const refused = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversation.id}/messages`, headers: admin.headers, payload: { text: 'Still there?' } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'REPLY_WINDOW_CLOSED', message: expect.stringMatching(/template/) });
    expect((await messagesOf(conversation.id)).map((m) => m.text)).toEqual(['Bonjour']);

    // A private note is never sent, so the window does not apply to it.
    const note = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversation.id}/messages`, headers: admin.headers, payload: { text: 'call her instead', private: true } });
    expect(note.statusCode).toBe(201);

    graph.templates.push({ name: 'follow_up', language: 'fr', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Bonjour {{1}}, pouvons-nous aider ?' }] });
    const templates = await server.app.inject({ method: 'GET', url: `/api/v1/inboxes/${inboxId}/whatsapp-templates`, headers: admin.headers });
    expect(templates.json().templates).toEqual([expect.objectContaining({ name: 'follow_up', language: 'fr', parameterCount: 1 })]);

    const template = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversation.id}/messages`, headers: admin.headers, payload: { whatsappTemplate: { name: 'follow_up', language: 'fr', parameters: ['Amélie'] } } });
    expect(template.statusCode, template.body).toBe(201);
    await eventually(async () => (await messagesOf(conversation.id)).find((m) => m.id === template.json().id && m.status === 'sent'));
    expect(graph.sent.at(-1)).toMatchObject({ to: '33612345678', type: 'template', template: { name: 'follow_up', language: { code: 'fr' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Amélie' }] }] } });
  });

  it('fails a reply for good, saying why, when WhatsApp requires re-engagement', async () => {
    await customerWrites('4917612345678', 'wamid.late-1', 'Hi');
    const conversation = await conversationOf('4917612345678');
    graph.failures.push({ status: 400, code: 131047, message: 'Re-engagement message' });
    const reply = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversation.id}/messages`, headers: admin.headers, payload: { text: 'Late answer' } });
    const failed = await eventually(async () => (await messagesOf(conversation.id)).find((m) => m.id === reply.json().id && m.status === 'failed'));
    expect(failed.failureReason).toMatch(/approved template/);
  });

  it('lists templates to marketers (for campaigns) and to operators of the inbox, not to anyone else', async () => {
    const url = `/api/v1/inboxes/${inboxId}/whatsapp-templates`;
    expect((await server.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    const outsider = await server.operator('operator');
    expect((await server.app.inject({ method: 'GET', url, headers: outsider.headers })).statusCode).toBe(404);
    const marketer = await server.operator('marketer');
    expect((await server.app.inject({ method: 'GET', url, headers: marketer.headers })).statusCode).toBe(200);
  });

  it('tells a non-WhatsApp inbox it has no templates', async () => {
    const api = await server.inbox('api', { settings: { callbackUrl: 'http://127.0.0.1:1/x' } });
    const response = await server.app.inject({ method: 'GET', url: `/api/v1/inboxes/${api.id}/whatsapp-templates`, headers: admin.headers });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('BAD_REQUEST');
  });
});
