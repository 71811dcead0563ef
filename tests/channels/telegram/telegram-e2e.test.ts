import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSecretToken } from '../../../channels/telegram/telegram-settings.ts';
import { Contact, ContactIdentity, Inbox, Message } from '../../../src/store/entities/index.ts';
import { SETUP_TIMEOUT_MS, TEST_TIMEOUT_MS } from '../../helpers/channel-context.ts';
import { freePort } from '../../helpers/free-port.ts';
import { eventually, nextEvent, TestServer, type Session } from '../../helpers/test-server.ts';
import { TelegramPeer } from '../../helpers/telegram-peer.ts';

let peer: TelegramPeer;
let server: TestServer;
let admin: Session;

beforeAll(async () => {
  peer = await TelegramPeer.start();
  // Telegram must reach the webhook at PUBLIC_URL, so the server listens on a port chosen before it boots.
  const port = await freePort();
  server = await TestServer.start({ config: { PUBLIC_URL: `http://127.0.0.1:${port}`, TELEGRAM_API_ROOT: peer.apiRoot, TELEGRAM_POLL_TIMEOUT_S: 1, RECEIVER_LEASE_MS: 1500 } });
  await server.app.listen({ host: '127.0.0.1', port });
  server.url = `http://127.0.0.1:${port}`;
  admin = await server.login();
}, SETUP_TIMEOUT_MS);
afterAll(async () => {
  await server?.close();
  await peer?.close();
});

async function createInbox(mode: 'webhook' | 'polling', token = peer.newBot()) {
  const response = await server.app.inject({ method: 'POST', url: '/api/v1/inboxes', headers: admin.headers, payload: { kind: 'telegram', name: `Bot (${mode})`, settings: { mode }, credentials: { botToken: token } } });
  return { response, token, inbox: response.statusCode === 201 ? (response.json() as { id: number; secret: string; settings: Record<string, unknown> }) : null };
}

const storedTexts = async (inboxId: number) => (await server.runtime.orm.em.fork().find(Message, { inbox: inboxId }, { orderBy: { id: 'asc' } })).map((m) => m.text);

async function reply(conversationId: number, text: string) {
  const response = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: admin.headers, payload: { text } });
  expect(response.statusCode).toBe(201);
  return response.json();
}

describe('connecting a bot', { timeout: TEST_TIMEOUT_MS }, () => {
  it('shows the bot\'s name when the admin adds a Telegram inbox', async () => {
    const { response, inbox } = await createInbox('webhook');
    expect(response.statusCode).toBe(201);
    expect(inbox!.settings).toMatchObject({ displayName: 'Test First name (@TestNameBot)', botUsername: 'TestNameBot', mode: 'webhook' });
  });

  it('refuses a token Telegram does not accept with a clear 400, and stores no inbox', async () => {
    const before = await server.runtime.orm.em.fork().count(Inbox, { kind: 'telegram' });
    const { response } = await createInbox('webhook', '123456:revoked-token');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/did not accept this bot token/);
    expect(await server.runtime.orm.em.fork().count(Inbox, { kind: 'telegram' })).toBe(before);
  });

  it('refuses an unknown receiving mode', async () => {
    const response = await server.app.inject({ method: 'POST', url: '/api/v1/inboxes', headers: admin.headers, payload: { kind: 'telegram', name: 'Bot', settings: { mode: 'carrier-pigeon' }, credentials: { botToken: peer.newBot() } } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/webhook.*polling/);
  });
});

describe.each(['webhook', 'polling'] as const)('a conversation over a bot receiving by %s', { timeout: TEST_TIMEOUT_MS }, (mode) => {
  it('brings a customer\'s message to the operator and the operator\'s reply to the customer', async () => {
    const { inbox, token } = await createInbox(mode);
    const inboxId = inbox!.id;
    if (mode === 'webhook') await eventually(async () => peer.webhooks.get(token)?.url === `${server.url}/api/v1/channels/${inboxId}/webhook`);
    const socket = await server.socket(admin);
    const created = nextEvent(socket, 'message.created', (e) => e.inboxId === inboxId, 10_000);

    const user = peer.user(token, { userId: 9001, chatId: 9001, firstName: 'Grace', userName: 'grace' });
    await user.sendMessage(user.makeMessage('Is my order on its way?'));

    const event = await created;
    expect(event.message).toMatchObject({ direction: 'in', text: 'Is my order on its way?' });
    const identity = await server.runtime.orm.em.fork().findOneOrFail(ContactIdentity, { kind: 'telegram', value: '9001' }, { populate: ['contact'] });
    expect(identity.contact.name).toBe('Grace');

    await reply(event.message.conversationId, 'Yes, it ships today <3 & *thanks*');
    const updates = await user.getUpdates();
    expect(updates.result.map((u: { message: { text: string } }) => u.message.text)).toEqual(['Yes, it ships today <3 & *thanks*']);
    const sent = await eventually(async () => (await server.runtime.orm.em.fork().findOne(Message, { conversation: event.message.conversationId, direction: 'out', status: 'sent' })));
    expect(sent.externalId).toMatch(/^9001:\d+$/);
  });
});

describe('switching how a bot receives', { timeout: TEST_TIMEOUT_MS }, () => {
  it('keeps receiving when an admin switches a bot from webhook to polling and back', async () => {
    const { inbox, token } = await createInbox('webhook');
    const inboxId = inbox!.id;
    await eventually(async () => peer.webhooks.get(token));
    const user = peer.user(token, { userId: 3131, chatId: 3131 });
    const patch = (mode: string) => server.app.inject({ method: 'PATCH', url: `/api/v1/inboxes/${inboxId}`, headers: admin.headers, payload: { settings: { mode } } });

    expect((await patch('polling')).statusCode).toBe(200);
    await eventually(async () => !peer.webhooks.has(token));
    await user.sendMessage(user.makeMessage('sent while polling'));
    await eventually(async () => (await storedTexts(inboxId)).includes('sent while polling'));

    expect((await patch('webhook')).statusCode).toBe(200);
    await eventually(async () => peer.webhooks.has(token));
    await user.sendMessage(user.makeMessage('sent by webhook again'));
    await eventually(async () => (await storedTexts(inboxId)).includes('sent by webhook again'));
    expect(await storedTexts(inboxId)).toEqual(['sent while polling', 'sent by webhook again']);
  });
});

describe('the webhook endpoint', { timeout: TEST_TIMEOUT_MS }, () => {
  let inboxId: number;
  let secret: string;
  beforeAll(async () => {
    const { inbox } = await createInbox('webhook');
    inboxId = inbox!.id;
    secret = webhookSecretToken(inbox!.secret);
  });
  const update = (updateId: number, messageId: number, text: string) => ({ update_id: updateId, message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: 31337, type: 'private' }, from: { id: 31337, is_bot: false, first_name: 'Eve' }, text } });
  const post = (body: unknown, headers: Record<string, string> = {}) => server.app.inject({ method: 'POST', url: `/api/v1/channels/${inboxId}/webhook`, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });

  it('refuses calls without the secret header or with a wrong one, and stores nothing', async () => {
    const missing = await post(update(1, 1, 'forged'));
    const wrong = await post(update(1, 1, 'forged'), { 'x-telegram-bot-api-secret-token': `${secret.slice(0, -1)}x` });
    expect(missing.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('UNAUTHENTICATED');
    expect(await storedTexts(inboxId)).toEqual([]);
  });

  it('stores an update Telegram sends three times once, answering 200 each time', async () => {
    const socket = await server.socket(admin);
    const events: unknown[] = [];
    socket.on('message.created', (e: { inboxId: number }) => e.inboxId === inboxId && events.push(e));
    for (let i = 0; i < 3; i++) expect((await post(update(7, 70, 'only once'), { 'x-telegram-bot-api-secret-token': secret })).statusCode).toBe(200);
    expect(await storedTexts(inboxId)).toEqual(['only once']);
    await new Promise((r) => setTimeout(r, 300));
    expect(events).toHaveLength(1);
  });

  it('shows operators an edited message with its new text', async () => {
    const headers = { 'x-telegram-bot-api-secret-token': secret };
    await post(update(8, 80, 'helo'), headers);
    const socket = await server.socket(admin);
    const updated = nextEvent(socket, 'message.updated', (e) => e.inboxId === inboxId);
    const edited = { update_id: 9, edited_message: { ...update(0, 80, 'hello').message, edit_date: Math.floor(Date.now() / 1000) + 1 } };
    expect((await post(edited, headers)).statusCode).toBe(200);
    const event = await updated;
    expect(event.message).toMatchObject({ text: 'hello', editedAt: expect.any(String) });
  });
});

describe('replies that cannot be delivered', { timeout: TEST_TIMEOUT_MS }, () => {
  it('marks the reply failed and the customer unreachable when they blocked the bot', async () => {
    const { inbox, token } = await createInbox('polling');
    const user = peer.user(token, { userId: 4040, chatId: 4040 });
    const socket = await server.socket(admin);
    const created = nextEvent(socket, 'message.created', (e) => e.inboxId === inbox!.id, 10_000);
    await user.sendMessage(user.makeMessage('bye'));
    const { message } = await created;
    peer.failNext('sendMessage', 'blocked');
    const sent = await reply(message.conversationId, 'Sorry to see you go');
    const failed = await eventually(async () => {
      const m = await server.runtime.orm.em.fork().findOne(Message, sent.id ?? sent.message?.id);
      return m?.status === 'failed' ? m : null;
    });
    expect(failed.failureReason).toMatch(/blocked by the user/);
    const identity = await server.runtime.orm.em.fork().findOneOrFail(ContactIdentity, { kind: 'telegram', value: '4040' });
    expect(identity.unreachableReason).toMatch(/blocked/);
  });

  it('waits as long as Telegram says after a 429, then delivers', async () => {
    const { inbox, token } = await createInbox('polling');
    const user = peer.user(token, { userId: 4290, chatId: 4290 });
    const socket = await server.socket(admin);
    const created = nextEvent(socket, 'message.created', (e) => e.inboxId === inbox!.id, 10_000);
    await user.sendMessage(user.makeMessage('hi'));
    const { message } = await created;
    peer.failNext('sendMessage', 'rate-limited', 1);
    const started = Date.now();
    await reply(message.conversationId, 'after a second');
    await eventually(async () => peer.sentTo(token, 4290).length === 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });
});

describe('deep links to a client card', { timeout: TEST_TIMEOUT_MS }, () => {
  it('ties the Telegram user who opens a signed link to the existing card', async () => {
    const { inbox, token } = await createInbox('webhook');
    await eventually(async () => peer.webhooks.get(token));
    const em = server.runtime.orm.em.fork();
    const card = em.create(Contact, { name: 'Campaign Customer', customFields: {} });
    await em.flush();
    const link = await server.app.inject({ url: `/api/v1/inboxes/${inbox!.id}/contact-links/${card.id}`, headers: admin.headers });
    expect(link.statusCode).toBe(200);
    const { url, payload } = link.json();
    expect(url).toBe(`https://t.me/TestNameBot?start=${payload}`);
    expect(payload).toMatch(/^[A-Za-z0-9_-]{1,64}$/);

    const user = peer.user(token, { userId: 5150, chatId: 5150, firstName: 'Linked' });
    await user.sendMessage(user.makeCommand(`/start ${payload}`));
    const identity = await eventually(async () => server.runtime.orm.em.fork().findOne(ContactIdentity, { kind: 'telegram', value: '5150' }));
    expect(identity.contact.id).toBe(card.id);
  });

  it('ignores a forged payload: the sender gets a card of their own', async () => {
    const { inbox, token } = await createInbox('webhook');
    await eventually(async () => peer.webhooks.get(token));
    const em = server.runtime.orm.em.fork();
    const card = em.create(Contact, { name: 'Victim', customFields: {} });
    await em.flush();
    const user = peer.user(token, { userId: 6160, chatId: 6160 });
    await user.sendMessage(user.makeCommand(`/start ${card.id.toString(36)}_AAAAAAAAAAAAAAAAAAAAAA`));
    const identity = await eventually(async () => server.runtime.orm.em.fork().findOne(ContactIdentity, { kind: 'telegram', value: '6160' }));
    expect(identity.contact.id).not.toBe(card.id);
    expect(await storedTexts(inbox!.id)).toEqual([`/start ${card.id.toString(36)}_AAAAAAAAAAAAAAAAAAAAAA`]);
  });

  it('does not move a card that already has a Telegram account to whoever opens its link', async () => {
    const { inbox, token } = await createInbox('webhook');
    await eventually(async () => peer.webhooks.get(token));
    const created = await server.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: admin.headers, payload: { name: 'Connected', identities: [{ kind: 'telegram', value: '1111' }] } });
    const cardId = created.json().id;
    const { payload } = (await server.app.inject({ url: `/api/v1/inboxes/${inbox!.id}/contact-links/${cardId}`, headers: admin.headers })).json();
    const stranger = peer.user(token, { userId: 2222, chatId: 2222 });
    await stranger.sendMessage(stranger.makeCommand(`/start ${payload}`));
    const identity = await eventually(async () => server.runtime.orm.em.fork().findOne(ContactIdentity, { kind: 'telegram', value: '2222' }));
    expect(identity.contact.id).not.toBe(cardId);
  });

  it('makes links only for operators who see the inbox, and only for Telegram inboxes', async () => {
    const { inbox } = await createInbox('webhook');
    const operator = await server.operator('operator');
    const em = server.runtime.orm.em.fork();
    const card = em.create(Contact, { name: 'Someone', customFields: {} });
    await em.flush();
    expect((await server.app.inject({ url: `/api/v1/inboxes/${inbox!.id}/contact-links/${card.id}`, headers: operator.headers })).statusCode).toBe(404);
    const marketer = await server.operator('marketer');
    expect((await server.app.inject({ url: `/api/v1/inboxes/${inbox!.id}/contact-links/${card.id}`, headers: marketer.headers })).statusCode).toBe(200);
    expect((await server.app.inject({ url: `/api/v1/inboxes/${inbox!.id}/contact-links/999999`, headers: admin.headers })).statusCode).toBe(404);
    const api = await server.inbox('api');
    expect((await server.app.inject({ url: `/api/v1/inboxes/${api.id}/contact-links/${card.id}`, headers: admin.headers })).statusCode).toBe(400);
  });
});

describe('files and typing', { timeout: TEST_TIMEOUT_MS }, () => {
  it('shows a photo a customer sends as a file operators can open, and sends an operator\'s photo back', async () => {
    const { inbox, token } = await createInbox('webhook');
    await eventually(async () => peer.webhooks.get(token));
    const socket = await server.socket(admin);
    const created = nextEvent(socket, 'message.created', (e) => e.inboxId === inbox!.id, 10_000);
    const bytes = Buffer.from('\x89PNG fake image bytes', 'latin1');
    const photo = peer.addFile(bytes, 'photos/file_9.jpg');
    const chat = { id: 7070, type: 'private' as const, first_name: 'Pia' };
    await peer.deliver(token, ({ messageId, date }) => ({ message: { message_id: messageId, date, chat, from: { id: 7070, is_bot: false, first_name: 'Pia' }, photo: [{ ...photo, width: 10, height: 10 }], caption: 'the dent' } as never }));

    const { message } = await created;
    expect(message).toMatchObject({ text: 'the dent', attachments: [expect.objectContaining({ name: 'photo.jpg', contentType: 'image/jpeg', size: bytes.length })] });
    const download = await server.app.inject({ url: `/api/v1/attachments/${message.attachments[0].key}`, headers: admin.headers });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload).toEqual(bytes);

    const file = await server.services.attachments.save(Buffer.from('replacement label'), { name: 'label.png', contentType: 'image/png' });
    const response = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${message.conversationId}/messages`, headers: admin.headers, payload: { text: 'Print this label', attachments: [{ key: file.key }] } });
    expect(response.statusCode).toBe(201);
    const sent = await eventually(async () => peer.sentTo(token, 7070)[0]);
    expect(sent).toMatchObject({ method: 'sendPhoto', caption: 'Print this label', file: { name: 'label.png', bytes: Buffer.from('replacement label') } });
  });

  it('shows "typing…" in Telegram while an operator types', async () => {
    const { inbox, token } = await createInbox('polling');
    const user = peer.user(token, { userId: 8080, chatId: 8080 });
    const socket = await server.socket(admin);
    const created = nextEvent(socket, 'message.created', (e) => e.inboxId === inbox!.id, 10_000);
    await user.sendMessage(user.makeMessage('anyone there?'));
    const { message } = await created;
    socket.emit('typing', { conversationId: message.conversationId, typing: true });
    await eventually(async () => peer.chatActions.find((a) => a.token === token && a.chatId === '8080' && a.action === 'typing'));
  });
});

describe('a deep link opened by someone who wrote before', { timeout: TEST_TIMEOUT_MS }, () => {
  it('moves their Telegram account and conversation to the linked card', async () => {
    const { inbox, token } = await createInbox('polling');
    const user = peer.user(token, { userId: 9191, chatId: 9191, firstName: 'Early' });
    const socket = await server.socket(admin);
    const first = nextEvent(socket, 'message.created', (e) => e.inboxId === inbox!.id, 10_000);
    await user.sendMessage(user.makeMessage('hello before any link'));
    const { message } = await first;
    const em = server.runtime.orm.em.fork();
    const card = em.create(Contact, { name: 'Known From Email', customFields: {} });
    await em.flush();
    const { payload } = (await server.app.inject({ url: `/api/v1/inboxes/${inbox!.id}/contact-links/${card.id}`, headers: admin.headers })).json();

    const second = nextEvent(socket, 'message.created', (e) => e.inboxId === inbox!.id, 10_000);
    await user.sendMessage(user.makeCommand(`/start ${payload}`));
    const after = await second;
    expect(after.message.conversationId).toBe(message.conversationId);
    const identity = await server.runtime.orm.em.fork().findOneOrFail(ContactIdentity, { kind: 'telegram', value: '9191' });
    expect(identity.contact.id).toBe(card.id);
    const conversation = await server.app.inject({ url: `/api/v1/conversations/${message.conversationId}`, headers: admin.headers });
    expect(conversation.json().contactId).toBe(card.id);
  });
});
