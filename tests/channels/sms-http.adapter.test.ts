import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundSink, NormalizedInbound, StatusEvent, WebhookRequest } from '../../channels/channel-adapter.ts';
import { ChannelError } from '../../channels/channel-error.ts';
import { SmsAdapter } from '../../channels/sms/sms.adapter.ts';
import { twilioSignature } from '../../channels/sms/twilio.provider.ts';
import { testAdapterContext } from '../helpers/channel-context.ts';
import { fakeTwilio } from '../helpers/fake-twilio.ts';
import { channelConformance } from './conformance.ts';

type Twilio = Awaited<ReturnType<typeof fakeTwilio>>;
const PUBLIC_URL = 'https://crm.example.com';
const WEBHOOK = `${PUBLIC_URL}/api/v1/channels/14/webhook`;
const inbox = (twilio: Twilio) => ({
  id: 14,
  kind: 'sms' as const,
  name: 'SMS',
  settings: { provider: 'http', baseUrl: twilio.url, from: '+15005550006' },
  secret: 's',
  credentials: { accountSid: twilio.accountSid, authToken: twilio.authToken },
  updatedAt: new Date(),
});
const address = { inboxId: 14, externalThreadId: '+14155550123', externalUserId: '+14155550123' };
const reply = (id: number, text: string) => ({ id, conversationId: 1, text, attachments: [] });

/** A form post signed as Twilio signs it. */
function twilioPost(params: Record<string, string>, token = 'twilio-token', url = WEBHOOK): WebhookRequest {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, url, params) }, query: {}, rawBody: Buffer.from(new URLSearchParams(params).toString()) };
}
const inboundSms = (sid: string, body: string) => ({ MessageSid: sid, SmsSid: sid, AccountSid: 'AC0001', From: '+14155550123', To: '+15005550006', Body: body, NumMedia: '0', SmsStatus: 'received' });

channelConformance('the SMS channel over a Twilio-compatible API', async () => {
  const twilio = await fakeTwilio();
  const adapter = new SmsAdapter(inbox(twilio), testAdapterContext({ publicUrl: PUBLIC_URL }));
  let n = 0;
  return {
    adapter,
    address,
    customerWrites: async (text) => {
      expect((await adapter.webhook(twilioPost(inboundSms(`SMin${++n}`, text)))).status).toBe(200);
    },
    peerFailsNextSend: (kind) => void twilio.failures.push(kind === 'temporary' ? { status: 503, message: 'Service unavailable' } : { status: 400, code: 21211, message: "The 'To' number is not a valid phone number." }),
    received: async () => twilio.texts(),
    close: twilio.close,
  };
});

describe('SMS over a Twilio-compatible API', () => {
  let twilio: Twilio;
  let adapter: SmsAdapter;
  let messages: NormalizedInbound[];
  let statuses: StatusEvent[];

  beforeEach(async () => {
    twilio = await fakeTwilio();
    adapter = new SmsAdapter(inbox(twilio), testAdapterContext({ publicUrl: PUBLIC_URL }));
    messages = [];
    statuses = [];
    const sink: InboundSink = { message: async (m) => void messages.push(m), status: async (s) => void statuses.push(s), edit: async () => {} };
    await adapter.start(sink, new AbortController().signal);
  });
  afterEach(async () => {
    await adapter.stop();
    await twilio.close();
  });

  it('is a webhook channel: any process receives', () => {
    expect(adapter.singleReceiver).toBe(false);
  });

  it('sends with basic auth from our number, asking for status callbacks at the inbox webhook', async () => {
    const { externalId } = await adapter.send(address, reply(1, 'Your table is booked'));
    expect(externalId).toMatch(/^SM0+1$/);
    expect(twilio.sent[0]).toEqual({ To: '+14155550123', From: '+15005550006', Body: 'Your table is booked', StatusCallback: WEBHOOK });
  });

  it('accepts a customer SMS only with a valid X-Twilio-Signature over the URL and sorted parameters', async () => {
    const params = inboundSms('SMaaa', 'Can I bring my dog?');
    expect((await adapter.webhook(twilioPost(params, 'wrong-token'))).status).toBe(403);
    expect((await adapter.webhook(twilioPost(params, 'twilio-token', 'https://evil.example/api/v1/channels/14/webhook'))).status).toBe(403);
    const forged = twilioPost(params);
    forged.rawBody = Buffer.from(forged.rawBody.toString().replace('dog', 'cat'));
    expect((await adapter.webhook(forged)).status).toBe(403);
    expect(messages).toEqual([]);
    const accepted = await adapter.webhook(twilioPost(params));
    expect(accepted.status).toBe(200);
    expect(messages[0]).toMatchObject({ externalMessageId: 'SMaaa', sender: { externalUserId: '+14155550123', phone: '+14155550123' }, text: 'Can I bring my dog?' });
  });

  it('matches the signature of Twilio\'s documented example', () => {
    // Twilio's own snippets (TwilioDevEd/api-snippets, security/signature_validation): PHP and Node examples.
    const params = (caller: string) => ({ CallSid: 'CA1234567890ABCDE', Caller: caller, Digits: '1234', From: caller, To: '+18005551212' });
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params('+14158675310'))).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params('+14158675309'))).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('turns status callbacks into delivered and failed statuses', async () => {
    for (const [sid, status, extra] of [['SM1', 'sent', {}], ['SM1', 'delivered', {}], ['SM2', 'undelivered', { ErrorCode: '30003' }]] as const) {
      expect((await adapter.webhook(twilioPost({ MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status, AccountSid: 'AC0001', ...extra }))).status).toBe(204);
    }
    expect(statuses.map((s) => [s.externalMessageId, s.status, s.reason])).toEqual([['SM1', 'delivered', undefined], ['SM2', 'failed', 'SMS undelivered (error 30003)']]);
  });

  it('maps provider errors: 429 retries, STOP blocks, a bad number and bad credentials fail for good', async () => {
    twilio.failures.push({ status: 429, code: 20429, message: 'Too Many Requests' }, { status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' }, { status: 400, code: 21211, message: 'Invalid To' });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(((await adapter.send(address, reply(2 + i, 'x')).catch((e: unknown) => e)) as ChannelError).code);
    expect(codes).toEqual(['RATE_LIMITED', 'BLOCKED_BY_USER', 'INVALID_RECIPIENT']);
    const wrong = new SmsAdapter({ ...inbox(twilio), credentials: { accountSid: twilio.accountSid, authToken: 'nope' } }, testAdapterContext());
    expect(((await wrong.send(address, reply(9, 'x')).catch((e: unknown) => e)) as ChannelError).code).toBe('AUTH');
    expect(await wrong.testConnection()).toEqual([{ name: 'http', ok: false, message: expect.stringMatching(/401/) }]);
    expect(await adapter.testConnection()).toEqual([{ name: 'http', ok: true }]);
  });

  it('says what is missing from a half-configured inbox instead of failing to load', async () => {
    const half = new SmsAdapter({ ...inbox(twilio), settings: { provider: 'http' }, credentials: {} }, testAdapterContext());
    expect(await half.testConnection()).toEqual([{ name: 'settings', ok: false, message: expect.stringMatching(/credentials.accountSid.*credentials.authToken.*settings.from/) }]);
  });
});
