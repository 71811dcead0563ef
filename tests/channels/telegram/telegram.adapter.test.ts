import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InboundEdit, InboundSink, InboxConfig, NormalizedInbound } from '../../../channels/channel-adapter.ts';
import { ChannelError } from '../../../channels/channel-error.ts';
import { TelegramAdapter } from '../../../channels/telegram/telegram.adapter.ts';
import { webhookSecretToken } from '../../../channels/telegram/telegram-settings.ts';
import type { AdapterContext } from '../../../channels/registry.ts';
import { AttachmentStore } from '../../../src/store/attachment-store.ts';
import { testAdapterContext } from '../../helpers/channel-context.ts';
import { eventually } from '../../helpers/test-server.ts';
import { TelegramPeer } from '../../helpers/telegram-peer.ts';

let peer: TelegramPeer;
beforeAll(async () => {
  peer = await TelegramPeer.start();
});
afterAll(async () => {
  await peer?.close();
});

const CUSTOMER = { id: 4242, is_bot: false, first_name: 'Ada', last_name: 'Lovelace', username: 'ada' };
const CHAT = { id: 4242, type: 'private' as const, first_name: 'Ada' };

let running: { adapter: TelegramAdapter; abort: AbortController }[] = [];
afterEach(async () => {
  for (const { adapter, abort } of running) {
    abort.abort();
    await adapter.stop();
  }
  running = [];
});

function recordingSink() {
  const messages: NormalizedInbound[] = [];
  const edits: InboundEdit[] = [];
  let failNext = 0;
  const sink: InboundSink = {
    message: async (m) => {
      if (failNext > 0) {
        failNext -= 1;
        throw new Error('database is down');
      }
      messages.push(m);
    },
    status: async () => {},
    edit: async (e) => void edits.push(e),
  };
  return { sink, messages, edits, failTimes: (n: number) => (failNext = n) };
}

function makeAdapter(mode: 'polling' | 'webhook', overrides: Partial<AdapterContext> = {}, token = peer.newBot()) {
  const inbox: InboxConfig = { id: 21, kind: 'telegram', name: 'Bot', secret: `secret-${token}`, settings: { mode }, credentials: { botToken: token }, updatedAt: new Date() };
  const context = testAdapterContext({ telegram: { apiRoot: peer.apiRoot, pollTimeoutSeconds: 1 }, publicUrl: 'http://crm.example', ...overrides });
  const adapter = new TelegramAdapter(inbox, context);
  return { adapter, token, inbox, context };
}

async function receiving(mode: 'polling' | 'webhook', overrides: Partial<AdapterContext> = {}) {
  const made = makeAdapter(mode, overrides);
  const recorded = recordingSink();
  const abort = new AbortController();
  running.push({ adapter: made.adapter, abort });
  await made.adapter.start(recorded.sink, abort.signal);
  return { ...made, ...recorded };
}


describe('checking the bot token', () => {
  it('shows the bot name Telegram knows for a good token', async () => {
    const { adapter } = makeAdapter('webhook');
    const result = await adapter.verify();
    expect(result.displayName).toBe('Test First name (@TestNameBot)');
    expect(result.settings).toMatchObject({ botUsername: 'TestNameBot', botId: 666 });
  });

  it('says the token was not accepted when Telegram answers 401', async () => {
    const { adapter } = makeAdapter('webhook', {}, '123456:not-a-token-telegram-knows');
    const error = await adapter.verify().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as ChannelError).code).toBe('AUTH');
    expect((error as ChannelError).message).toMatch(/did not accept this bot token/);
  });

  it('rejects a token of the wrong shape without calling Telegram', async () => {
    const { adapter } = makeAdapter('webhook', {}, 'hello');
    await expect(adapter.verify()).rejects.toMatchObject({ code: 'AUTH', message: expect.stringMatching(/does not look like a bot token/) });
  });
});

describe('receiving by long polling', () => {
  it('turns a text, a reply and a deep link into normalised messages', async () => {
    const { token, messages } = await receiving('polling');
    const first = await peer.deliver(token, ({ messageId, date }) => ({ message: { message_id: messageId, date, chat: CHAT, from: CUSTOMER, text: 'Hello there' } as never }));
    const firstId = (first.message as { message_id: number }).message_id;
    await peer.deliver(token, ({ messageId, date }) => ({ message: { message_id: messageId, date, chat: CHAT, from: CUSTOMER, text: 'About that', reply_to_message: { message_id: firstId, date, chat: CHAT } } as never }));
    await peer.deliver(token, ({ messageId, date }) => ({ message: { message_id: messageId, date, chat: CHAT, from: CUSTOMER, text: '/start 1f_abcdefghijklmnopqrstuv' } as never }));
    await eventually(async () => messages.length === 3);
    expect(messages[0]).toMatchObject({ inboxId: 21, externalMessageId: `4242:${firstId}`, externalThreadId: '4242', text: 'Hello there', sender: { externalUserId: '4242', name: 'Ada Lovelace', username: 'ada' } });
    expect(messages[0]!.sentAt).toBeInstanceOf(Date);
    expect(messages[1]!.replyToExternalId).toBe(`4242:${firstId}`);
    expect(messages[2]!.contactClaim).toBe('1f_abcdefghijklmnopqrstuv');
  });

  it('downloads photos, documents, voice, video and stickers into the attachment store', async () => {
    const { token, messages, context } = await receiving('polling');
    const jpeg = Buffer.from('\xff\xd8\xff photo bytes', 'latin1');
    const small = peer.addFile(Buffer.from('tiny'), 'photos/file_1.jpg');
    const big = peer.addFile(jpeg, 'photos/file_2.jpg');
    const pdf = peer.addFile(Buffer.from('%PDF-1.4 invoice'), 'documents/file_3.pdf');
    const voice = peer.addFile(Buffer.from('OggS voice'), 'voice/file_4.oga');
    const video = peer.addFile(Buffer.from('mp4 video'), 'videos/file_5.mp4');
    const sticker = peer.addFile(Buffer.from('RIFF webp'), 'stickers/file_6.webp');
    const base = ({ messageId, date }: { messageId: number; date: number }) => ({ message_id: messageId, date, chat: CHAT, from: CUSTOMER });
    await peer.deliver(token, (ids) => ({ message: { ...base(ids), photo: [{ ...small, width: 90, height: 90 }, { ...big, width: 800, height: 600 }], caption: 'my receipt' } as never }));
    await peer.deliver(token, (ids) => ({ message: { ...base(ids), document: { ...pdf, file_name: 'invoice.pdf', mime_type: 'application/pdf' } } as never }));
    await peer.deliver(token, (ids) => ({ message: { ...base(ids), voice: { ...voice, duration: 2, mime_type: 'audio/ogg' } } as never }));
    await peer.deliver(token, (ids) => ({ message: { ...base(ids), video: { ...video, width: 1, height: 1, duration: 1, mime_type: 'video/mp4' } } as never }));
    await peer.deliver(token, (ids) => ({ message: { ...base(ids), sticker: { ...sticker, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: '👍' } } as never }));
    await eventually(async () => messages.length === 5);

    const [photo, document, voiceNote, clip, stick] = messages as [NormalizedInbound, NormalizedInbound, NormalizedInbound, NormalizedInbound, NormalizedInbound];
    expect(photo.text).toBe('my receipt');
    expect(photo.attachments).toEqual([expect.objectContaining({ name: 'photo.jpg', contentType: 'image/jpeg', size: jpeg.length })]);
    // The largest size is the one kept.
    expect((await context.attachments.read(photo.attachments[0]!.key!))!.data).toEqual(jpeg);
    expect(document.attachments[0]).toMatchObject({ name: 'invoice.pdf', contentType: 'application/pdf' });
    expect((await context.attachments.read(document.attachments[0]!.key!))!.data.toString()).toBe('%PDF-1.4 invoice');
    expect(voiceNote.attachments[0]).toMatchObject({ name: 'voice.ogg', contentType: 'audio/ogg' });
    expect(clip.attachments[0]).toMatchObject({ name: 'video.mp4', contentType: 'video/mp4' });
    expect(stick).toMatchObject({ text: '👍', attachments: [expect.objectContaining({ name: 'sticker.webp', contentType: 'image/webp' })] });
  });

  it('keeps a message whose file is over the size limit, saying the file was left out', async () => {
    const { token, messages } = await receiving('polling', { attachments: new AttachmentStore((await import('node:os')).tmpdir() + `/tg-${Date.now()}`, 1024) });
    const huge = peer.addFile(Buffer.alloc(4096, 1), 'documents/big.bin');
    const unsized = peer.addFile(Buffer.alloc(4096, 2), 'documents/unsized.bin');
    await peer.deliver(token, ({ messageId, date }) => ({ message: { message_id: messageId, date, chat: CHAT, from: CUSTOMER, document: { ...huge, file_name: 'big.bin' } } as never }));
    // Telegram does not always say how large a file is: the store stops it while it streams in.
    await peer.deliver(token, ({ messageId, date }) => ({ message: { message_id: messageId, date, chat: CHAT, from: CUSTOMER, document: { file_id: unsized.file_id, file_unique_id: 'x', file_name: 'unsized.bin' } } as never }));
    await eventually(async () => messages.length === 2);
    for (const message of messages) {
      expect(message.attachments).toEqual([]);
      expect(message.meta?.skippedAttachments).toEqual([expect.objectContaining({ reason: expect.stringMatching(/limit/) })]);
    }
  });

  it('gives a location as text and coordinates, and a shared own contact as the sender\'s phone', async () => {
    const { token, messages } = await receiving('polling');
    await peer.deliver(token, ({ messageId, date }) => ({ message: { message_id: messageId, date, chat: CHAT, from: CUSTOMER, location: { latitude: 51.5, longitude: -0.12 } } as never }));
    await peer.deliver(token, ({ messageId, date }) => ({ message: { message_id: messageId, date, chat: CHAT, from: CUSTOMER, contact: { phone_number: '447700900123', first_name: 'Ada', user_id: CUSTOMER.id } } as never }));
    await peer.deliver(token, ({ messageId, date }) => ({ message: { message_id: messageId, date, chat: CHAT, from: CUSTOMER, contact: { phone_number: '+14155550100', first_name: 'Bob', user_id: 777 } } as never }));
    await eventually(async () => messages.length === 3);
    expect(messages[0]).toMatchObject({ text: '📍 51.5, -0.12', meta: { location: { latitude: 51.5, longitude: -0.12 } } });
    expect(messages[1]!.sender.phone).toBe('+447700900123');
    // Someone else's contact card is content, not the sender's phone.
    expect(messages[2]!.sender.phone).toBeUndefined();
    expect(messages[2]!.text).toBe('👤 Bob +14155550100');
  });

  it('hands an edited message to the sink as an edit of the same message', async () => {
    const { token, edits } = await receiving('polling');
    await peer.deliver(token, ({ date }) => ({ edited_message: { message_id: 77, date: date - 5, edit_date: date, chat: CHAT, from: CUSTOMER, text: 'Hello (fixed)' } as never }));
    const edit = await eventually(async () => edits[0]);
    expect(edit).toMatchObject({ inboxId: 21, externalMessageId: '4242:77', text: 'Hello (fixed)' });
    expect(edit.editedAt).toBeInstanceOf(Date);
  });

  it('asks again for an update it could not store, instead of confirming it', async () => {
    const { token, messages, failTimes } = await receiving('polling', {});
    failTimes(1);
    await peer.deliver(token, ({ messageId, date }) => ({ message: { message_id: messageId, date, chat: CHAT, from: CUSTOMER, text: 'do not lose me' } as never }));
    const message = await eventually(async () => messages[0], 8000);
    expect(message.text).toBe('do not lose me');
  });
});

describe('receiving by webhook', () => {
  it('registers the webhook under PUBLIC_URL with a secret token of the inbox', async () => {
    const { token, inbox } = await receiving('webhook');
    const hook = await eventually(async () => peer.webhooks.get(token));
    expect(hook.url).toBe('http://crm.example/api/v1/channels/21/webhook');
    expect(hook.secretToken).toBe(webhookSecretToken(inbox.secret));
    expect(hook.secretToken).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
  });

  it('refuses a call without the exact secret header before reading it, and stores one with it', async () => {
    const { adapter, inbox, messages } = await receiving('webhook');
    const update = Buffer.from(JSON.stringify({ update_id: 1, message: { message_id: 5, date: 1_700_000_000, chat: CHAT, from: CUSTOMER, text: 'hi' } }));
    const call = (headers: Record<string, string>, rawBody = update) => adapter.webhook({ method: 'POST', headers, query: {}, rawBody });
    expect((await call({})).status).toBe(401);
    expect((await call({ 'x-telegram-bot-api-secret-token': 'guess' })).status).toBe(403);
    // Not even parsed: garbage with a wrong secret is refused as wrong, not as bad JSON.
    expect((await call({ 'x-telegram-bot-api-secret-token': 'guess' }, Buffer.from('{not json'))).status).toBe(403);
    expect(messages).toEqual([]);
    const right = { 'x-telegram-bot-api-secret-token': webhookSecretToken(inbox.secret) };
    expect((await call(right, Buffer.from('{not json'))).status).toBe(400);
    expect((await call(right)).status).toBe(200);
    expect(messages).toEqual([expect.objectContaining({ externalMessageId: '4242:5', text: 'hi' })]);
  });

  it('answers 500 when the update could not be stored, so Telegram sends it again', async () => {
    const { adapter, inbox, failTimes } = await receiving('webhook');
    failTimes(1);
    const rawBody = Buffer.from(JSON.stringify({ update_id: 2, message: { message_id: 6, date: 1_700_000_000, chat: CHAT, from: CUSTOMER, text: 'hi' } }));
    const result = await adapter.webhook({ method: 'POST', headers: { 'x-telegram-bot-api-secret-token': webhookSecretToken(inbox.secret) }, query: {}, rawBody });
    expect(result.status).toBe(500);
  });
});

describe('sending', () => {
  const to = { inboxId: 21, externalThreadId: '4242', externalUserId: '4242' };

  it('sends text as written, without markup that would need escaping', async () => {
    const { adapter, token } = makeAdapter('polling');
    const text = '<b>50% off</b> *today* _only_ [here](x) & `now`';
    const { externalId } = await adapter.send(to, { id: 1, conversationId: 1, text, attachments: [] });
    const [sent] = peer.sentTo(token, 4242);
    expect(sent).toMatchObject({ method: 'sendMessage', text, parseMode: undefined });
    expect(externalId).toBe(`4242:${sent!.messageId}`);
  });

  it('splits a text over 4096 characters at paragraph and word boundaries', async () => {
    const { adapter, token } = makeAdapter('polling');
    const paragraph = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const text = [paragraph, paragraph, paragraph].join('\n\n');
    await adapter.send(to, { id: 2, conversationId: 1, text, attachments: [] });
    const parts = peer.sentTo(token, 4242).map((s) => s.text!);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts.join(' ').split(/\s+/)).toEqual(text.split(/\s+/));
  });

  it('answers the customer\'s message it replies to', async () => {
    const { adapter, token } = makeAdapter('polling');
    await adapter.send(to, { id: 3, conversationId: 1, text: 'Yes', attachments: [], replyToExternalId: '4242:17' });
    expect(peer.sentTo(token, 4242)[0]!.replyTo).toBe(17);
  });

  it('sends a stored image as a photo with its caption and other files as documents', async () => {
    const { adapter, token, context } = makeAdapter('polling');
    const image = await context.attachments.save(Buffer.from('png bytes'), { name: 'chart.png', contentType: 'image/png' });
    const pdf = await context.attachments.save(Buffer.from('%PDF'), { name: 'terms.pdf', contentType: 'application/pdf' });
    await adapter.send(to, { id: 4, conversationId: 1, text: 'Here it is', attachments: [{ key: image.key, name: image.name, contentType: image.contentType, size: image.size }] });
    await adapter.send(to, { id: 5, conversationId: 1, attachments: [{ key: pdf.key, name: pdf.name }] });
    const [photo, document] = peer.sentTo(token, 4242);
    expect(photo).toMatchObject({ method: 'sendPhoto', caption: 'Here it is', file: { name: 'chart.png', bytes: Buffer.from('png bytes') } });
    expect(document).toMatchObject({ method: 'sendDocument', file: { name: 'terms.pdf', bytes: Buffer.from('%PDF') } });
  });

  it('shows the customer that an operator is typing', async () => {
    const { adapter, token } = makeAdapter('polling');
    await adapter.typing(to);
    expect(peer.chatActions).toContainEqual({ token, chatId: '4242', action: 'typing' });
  });

  it('declares Telegram\'s send limits for the send queue', () => {
    const { adapter } = makeAdapter('polling');
    expect(adapter.capabilities.rateLimits).toEqual({ perThread: { max: 1, perMs: 1000 }, perAccount: { max: 30, perMs: 1000 } });
  });

  it.each([
    ['rate-limited', 'RATE_LIMITED', true],
    ['blocked', 'BLOCKED_BY_USER', false],
    ['chat-not-found', 'INVALID_RECIPIENT', false],
    ['server-error', 'TEMPORARY', true],
  ] as const)('turns Telegram\'s %s answer into %s', async (kind, code, retryable) => {
    const { adapter } = makeAdapter('polling');
    peer.failNext('sendMessage', kind, 3);
    const error = (await adapter.send(to, { id: 6, conversationId: 1, text: 'x', attachments: [] }).catch((e: unknown) => e)) as ChannelError;
    expect(error).toBeInstanceOf(ChannelError);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    if (kind === 'rate-limited') expect(error.retryAfterMs).toBe(3000);
  });

  it('reports an unreachable Bot API as temporary', async () => {
    const { adapter } = makeAdapter('polling', { telegram: { apiRoot: 'http://127.0.0.1:9', pollTimeoutSeconds: 1 } });
    const error = (await adapter.send(to, { id: 7, conversationId: 1, text: 'x', attachments: [] }).catch((e: unknown) => e)) as ChannelError;
    expect(error.code).toBe('TEMPORARY');
  });

  it('does not send the parts already sent again when a split message is retried', async () => {
    const { adapter, token } = makeAdapter('polling');
    const text = `${'a '.repeat(1500)}\n\n${'b '.repeat(1500)}`;
    peer.failNext('sendMessage', 'server-error', undefined, { afterCalls: 1 }); // the second part fails
    await expect(adapter.send(to, { id: 8, conversationId: 1, text, attachments: [] })).rejects.toMatchObject({ code: 'TEMPORARY' });
    expect(peer.sentTo(token, 4242).map((s) => s.text![0])).toEqual(['a']);
    const retried = await adapter.send(to, { id: 8, conversationId: 1, text, attachments: [] });
    expect(peer.sentTo(token, 4242).map((s) => s.text![0])).toEqual(['a', 'b']);
    expect(retried.externalId).toBe(`4242:${peer.sentTo(token, 4242)[0]!.messageId}`);
  });
});
