import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundSink, NormalizedInbound, StatusEvent, WebhookRequest } from '../../channels/channel-adapter.ts';
import { ChannelError } from '../../channels/channel-error.ts';
import { signWebhook, WhatsAppCloudAdapter } from '../../channels/whatsapp-cloud/whatsapp-cloud.adapter.ts';
import { testAdapterContext } from '../helpers/channel-context.ts';
import { cloudWebhook, fakeGraphApi } from '../helpers/fake-graph-api.ts';
import { channelConformance } from './conformance.ts';

const APP_SECRET = 'app-secret-1';
type Graph = Awaited<ReturnType<typeof fakeGraphApi>>;

const inbox = (graph: Graph) => ({
  id: 9,
  kind: 'whatsapp-cloud' as const,
  name: 'WhatsApp',
  settings: { phoneNumberId: graph.phoneNumberId, businessAccountId: graph.businessAccountId, graphApiUrl: graph.url },
  secret: 'inbox-secret',
  credentials: { accessToken: graph.token, appSecret: APP_SECRET, verifyToken: 'verify-me' },
  updatedAt: new Date(),
});
const address = { inboxId: 9, externalThreadId: '4915112345678', externalUserId: '4915112345678' };

/** A webhook POST as Meta sends it: the raw JSON bytes and their signature. */
function signed(body: unknown, secret = APP_SECRET): WebhookRequest {
  const rawBody = Buffer.from(JSON.stringify(body));
  return { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(secret, rawBody) }, query: {}, rawBody };
}

let seq = 0;
const textMessage = (text: string, extra: Record<string, unknown> = {}) => ({ from: '4915112345678', id: `wamid.in-${++seq}`, timestamp: '1764000000', type: 'text', text: { body: text }, ...extra });
const customer = [{ profile: { name: 'Grace Hopper' }, wa_id: '4915112345678' }];

channelConformance('the WhatsApp Cloud channel', async () => {
  const graph = await fakeGraphApi();
  const adapter = new WhatsAppCloudAdapter(inbox(graph), testAdapterContext());
  return {
    adapter,
    address,
    customerWrites: async (text) => {
      const result = await adapter.webhook(signed(cloudWebhook(graph.phoneNumberId, { contacts: customer, messages: [textMessage(text)] })));
      expect(result.status).toBe(200);
    },
    peerFailsNextSend: (kind) => void graph.failures.push(kind === 'temporary' ? { status: 500, code: 131000, message: 'Something went wrong' } : { status: 400, code: 131026, message: 'Message undeliverable' }),
    received: async () => graph.texts(),
    close: graph.close,
  };
});

describe('WhatsApp Cloud channel', () => {
  let graph: Graph;
  let adapter: WhatsAppCloudAdapter;
  let messages: NormalizedInbound[];
  let statuses: StatusEvent[];

  beforeEach(async () => {
    graph = await fakeGraphApi();
    adapter = new WhatsAppCloudAdapter(inbox(graph), testAdapterContext());
    messages = [];
    statuses = [];
    const sink: InboundSink = { message: async (m) => void messages.push(m), status: async (s) => void statuses.push(s), edit: async () => {} };
    await adapter.start(sink);
  });
  afterEach(async () => {
    await adapter.stop();
    await graph.close();
  });

  it('answers Meta\'s verification handshake with the challenge only for the right verify token', async () => {
    const handshake = (token: string) => adapter.webhook({ method: 'GET', headers: {}, query: { 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1158201444' }, rawBody: Buffer.alloc(0) });
    expect(await handshake('verify-me')).toEqual({ status: 200, body: '1158201444' });
    expect((await handshake('guess')).status).toBe(403);
  });

  it('refuses a payload whose signature does not match the raw body, before reading it', async () => {
    const body = cloudWebhook(graph.phoneNumberId, { contacts: customer, messages: [textMessage('forged')] });
    expect((await adapter.webhook(signed(body, 'another-secret'))).status).toBe(401);
    const tampered = signed(body);
    tampered.rawBody = Buffer.from(tampered.rawBody.toString().replace('forged', 'tampered'));
    expect((await adapter.webhook(tampered)).status).toBe(401);
    expect((await adapter.webhook({ ...signed(body), headers: {} })).status).toBe(401);
    expect(messages).toEqual([]);
  });

  it('hands over a text message with the sender\'s WhatsApp name and phone in E.164, and the message it quotes', async () => {
    await adapter.webhook(signed(cloudWebhook(graph.phoneNumberId, { contacts: customer, messages: [textMessage('Is my order shipped?', { context: { from: '15550100', id: 'wamid.out-earlier' } })] })));
    expect(messages[0]).toMatchObject({
      inboxId: 9,
      externalThreadId: '4915112345678',
      sender: { externalUserId: '4915112345678', name: 'Grace Hopper', phone: '+4915112345678' },
      text: 'Is my order shipped?',
      replyToExternalId: 'wamid.out-earlier',
      sentAt: new Date(1764000000 * 1000),
    });
  });

  it('downloads an image through the Graph API into the attachment store, with its caption as text', async () => {
    const context = testAdapterContext();
    adapter = new WhatsAppCloudAdapter(inbox(graph), context);
    await adapter.start({ message: async (m) => void messages.push(m), status: async () => {}, edit: async () => {} });
    graph.media.set('media-77', { data: Buffer.from('PNG fake image bytes!'), mimeType: 'image/png' });
    await adapter.webhook(signed(cloudWebhook(graph.phoneNumberId, { contacts: customer, messages: [{ from: '4915112345678', id: 'wamid.img', timestamp: '1764000000', type: 'image', image: { id: 'media-77', mime_type: 'image/png', caption: 'the broken part' } }] })));
    const [message] = messages;
    expect(message!.text).toBe('the broken part');
    expect(message!.attachments).toEqual([expect.objectContaining({ key: expect.any(String), contentType: 'image/png', size: 21 })]);
    expect((await context.attachments.read(message!.attachments[0]!.key!))!.data.toString()).toBe('PNG fake image bytes!');
  });

  it('keeps a document\'s file name, and still delivers the message when its media is gone', async () => {
    graph.media.set('media-doc', { data: Buffer.from('%PDF-1.4'), mimeType: 'application/pdf' });
    await adapter.webhook(signed(cloudWebhook(graph.phoneNumberId, { contacts: customer, messages: [
      { from: '4915112345678', id: 'wamid.doc', timestamp: '1764000000', type: 'document', document: { id: 'media-doc', mime_type: 'application/pdf', filename: 'invoice.pdf' } },
      { from: '4915112345678', id: 'wamid.voice', timestamp: '1764000001', type: 'audio', audio: { id: 'media-expired', mime_type: 'audio/ogg; codecs=opus', voice: true } },
    ] })));
    expect(messages[0]!.attachments[0]).toMatchObject({ name: 'invoice.pdf', contentType: 'application/pdf' });
    expect(messages[1]).toMatchObject({ text: '[audio could not be downloaded]', attachments: [] });
  });

  it('writes a location as a map link and a contact card as its name and phone', async () => {
    await adapter.webhook(signed(cloudWebhook(graph.phoneNumberId, { contacts: customer, messages: [
      { from: '4915112345678', id: 'wamid.loc', timestamp: '1764000000', type: 'location', location: { latitude: 52.52, longitude: 13.405, name: 'Shop', address: 'Alexanderplatz 1' } },
      { from: '4915112345678', id: 'wamid.vcard', timestamp: '1764000001', type: 'contacts', contacts: [{ name: { formatted_name: 'Ada Lovelace' }, phones: [{ phone: '+44 20 7946 0000', wa_id: '442079460000' }] }] },
    ] })));
    expect(messages[0]!.text).toBe('📍 Shop, Alexanderplatz 1\nhttps://maps.google.com/?q=52.52,13.405');
    expect(messages[1]!.text).toBe('👤 Ada Lovelace +44 20 7946 0000');
  });

  it('turns delivered, read and failed reports into status events and drops "sent"', async () => {
    await adapter.webhook(signed(cloudWebhook(graph.phoneNumberId, { statuses: [
      { id: 'wamid.out-1', status: 'sent', timestamp: '1764000000', recipient_id: '4915112345678' },
      { id: 'wamid.out-1', status: 'read', timestamp: '1764000002', recipient_id: '4915112345678' },
      { id: 'wamid.out-1', status: 'delivered', timestamp: '1764000001', recipient_id: '4915112345678' },
      { id: 'wamid.out-2', status: 'failed', timestamp: '1764000003', recipient_id: '4915112345678', errors: [{ code: 131047, title: 'Re-engagement message' }] },
    ] })));
    expect(statuses.map((s) => [s.externalMessageId, s.status])).toEqual([['wamid.out-1', 'read'], ['wamid.out-1', 'delivered'], ['wamid.out-2', 'failed']]);
    expect(statuses[2]!.reason).toBe('Re-engagement message (WhatsApp error 131047)');
  });

  it('ignores events for another phone number of the same business account', async () => {
    await adapter.webhook(signed(cloudWebhook('other-number', { contacts: customer, messages: [textMessage('not ours')] })));
    expect(messages).toEqual([]);
  });

  it('sends a reply as text quoting the customer\'s message', async () => {
    const { externalId } = await adapter.send(address, { id: 1, conversationId: 1, text: 'Shipped today', attachments: [], replyToExternalId: 'wamid.in-1' });
    expect(externalId).toBe('wamid.out-1');
    expect(graph.sent[0]).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '4915112345678', type: 'text', text: { body: 'Shipped today', preview_url: false }, context: { message_id: 'wamid.in-1' } });
  });

  it('uploads a stored file and sends it by media id with the text as caption; a file at a URL goes by link', async () => {
    const context = testAdapterContext();
    adapter = new WhatsAppCloudAdapter(inbox(graph), context);
    const stored = await context.attachments.save(Buffer.from('jpeg bytes here'), { name: 'photo.jpg', contentType: 'image/jpeg' });
    await adapter.send(address, { id: 2, conversationId: 1, text: 'Here it is', attachments: [{ key: stored.key, name: 'photo.jpg', contentType: 'image/jpeg' }, { url: 'https://example.com/manual.pdf', name: 'manual.pdf', contentType: 'application/pdf' }] });
    expect(graph.uploads[0]!.toString()).toContain('jpeg bytes here');
    expect(graph.sent.map((s) => [s.type, s[s.type]])).toEqual([
      ['image', { id: 'upload-1', caption: 'Here it is' }],
      ['document', { link: 'https://example.com/manual.pdf', filename: 'manual.pdf' }],
    ]);
  });

  it('sends an approved template with its body parameters', async () => {
    await adapter.send(address, { id: 3, conversationId: 1, attachments: [], whatsappTemplate: { name: 'order_update', language: 'en_US', parameters: ['Grace', '#1042'] } });
    expect(graph.sent[0]).toMatchObject({ to: '4915112345678', type: 'template', template: { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Grace' }, { type: 'text', text: '#1042' }] }] } });
  });

  it('maps Graph API errors to what the send worker does with them', async () => {
    const failWith = async (failure: { status: number; code?: number; message?: string }) => {
      graph.failures.push(failure);
      return (await adapter.send(address, { id: 4, conversationId: 1, text: 'x', attachments: [] }).catch((e: unknown) => e)) as ChannelError;
    };
    const throttled = await failWith({ status: 400, code: 130429, message: 'Rate limit hit' });
    expect([throttled.code, throttled.retryable, throttled.retryAfterMs]).toEqual(['RATE_LIMITED', true, 60_000]);
    expect((await failWith({ status: 400, code: 131056, message: 'Pair rate limit hit' })).code).toBe('RATE_LIMITED');
    const window = await failWith({ status: 400, code: 131047, message: 'Re-engagement message' });
    expect([window.code, window.retryable]).toEqual(['REJECTED', false]);
    expect(window.message).toMatch(/approved template/);
    expect((await failWith({ status: 400, code: 131026, message: 'Message undeliverable' })).code).toBe('INVALID_RECIPIENT');
    expect((await failWith({ status: 503 })).code).toBe('TEMPORARY');
    expect((await failWith({ status: 401, code: 190, message: 'Error validating access token' })).code).toBe('AUTH');
  });

  it('lists the business account\'s approved templates with their parameter count', async () => {
    graph.templates.push(
      { name: 'order_update', language: 'en_US', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hi {{1}}, order {{2}} has shipped.' }] },
      { name: 'draft_promo', language: 'en_US', status: 'PENDING', category: 'MARKETING', components: [{ type: 'BODY', text: 'Sale!' }] },
    );
    expect(await adapter.templates()).toEqual([{ name: 'order_update', language: 'en_US', category: 'UTILITY', body: 'Hi {{1}}, order {{2}} has shipped.', parameterCount: 2 }]);
  });

  it('checks the token and phone number id when an admin saves the inbox', async () => {
    expect(await adapter.verify()).toEqual({ displayName: 'Acme Support +1 555-0100' });
    const wrong = new WhatsAppCloudAdapter({ ...inbox(graph), credentials: { accessToken: 'expired', appSecret: APP_SECRET } }, testAdapterContext());
    expect(await wrong.verify().catch((e: ChannelError) => e.code)).toBe('AUTH');
  });
});
