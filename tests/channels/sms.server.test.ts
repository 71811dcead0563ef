import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../channels/sms/twilio.provider.ts';
import { SETUP_TIMEOUT_MS, TEST_TIMEOUT_MS } from '../helpers/channel-context.ts';
import { fakeTwilio } from '../helpers/fake-twilio.ts';
import { fakeSmsc } from '../helpers/smsc.ts';
import { eventually, TestServer, type Session } from '../helpers/test-server.ts';

const PUBLIC_URL = 'https://crm.example.com';
let smsc: Awaited<ReturnType<typeof fakeSmsc>>;
let twilio: Awaited<ReturnType<typeof fakeTwilio>>;
let server: TestServer;
let admin: Session;

beforeAll(async () => {
  [smsc, twilio] = await Promise.all([fakeSmsc(), fakeTwilio()]);
  server = await TestServer.start({ config: { PUBLIC_URL, SMS_ENQUIRE_LINK_MS: 1000, SMS_REQUEST_TIMEOUT_MS: 3000, SMS_RECONNECT_MIN_MS: 100, SMS_RECONNECT_MAX_MS: 1000, RECEIVER_LEASE_MS: 1500 } });
  admin = await server.login();
}, SETUP_TIMEOUT_MS);
afterAll(async () => {
  await server?.close();
  await Promise.all([smsc?.close(), twilio?.close()]);
});

async function createInbox(name: string, settings: Record<string, unknown>, credentials: Record<string, string>) {
  const response = await server.app.inject({ method: 'POST', url: '/api/v1/inboxes', headers: admin.headers, payload: { kind: 'sms', name, settings, credentials } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as number;
}
const card = async (name: string, phone: string) => {
  const response = await server.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: admin.headers, payload: { name, identities: [{ kind: 'phone', value: phone }] } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as number;
};
const conversationsOf = async (contactId: number) => (await server.app.inject({ method: 'GET', url: `/api/v1/contacts/${contactId}/conversations`, headers: admin.headers })).json();
const messagesOf = async (conversationId: number) =>
  (await server.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}/messages`, headers: admin.headers })).json().items as { id: number; text: string; status: string; direction: string; externalId: string }[];
const itemsOf = (list: unknown) => (Array.isArray(list) ? list : (list as { items: { id: number; inboxId: number }[] }).items) as { id: number; inboxId: number }[];

describe('SMS end to end', { timeout: TEST_TIMEOUT_MS }, () => {
  it('refuses an SMPP inbox whose bind the SMS centre rejects, saying so', async () => {
    const response = await server.app.inject({ method: 'POST', url: '/api/v1/inboxes', headers: admin.headers, payload: { kind: 'sms', name: 'bad', settings: { provider: 'smpp', url: smsc.url, from: '+4915550100' }, credentials: { systemId: 'crm', password: 'wrong' } } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/refused the bind/);
  });

  it('a customer SMS lands on the card with that phone; the operator replies by SMS and the SMS centre gets it, then its receipt', async () => {
    const inboxId = await createInbox('SMS (SMPP)', { provider: 'smpp', url: smsc.url, from: '+4915550100' }, { systemId: 'crm', password: 'secret' });
    const contactId = await card('Margaret Hamilton', '+4915112345678');
    expect(await smsc.customerSends('+4915112345678', 'Do you deliver to Hamburg?')).toBe(0);

    const conversation = await eventually(async () => itemsOf(await conversationsOf(contactId)).find((c) => c.inboxId === inboxId));
    expect((await messagesOf(conversation.id)).map((m) => [m.direction, m.text])).toEqual([['in', 'Do you deliver to Hamburg?']]);

    const reply = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversation.id}/messages`, headers: admin.headers, payload: { text: 'Yes, every Tuesday — free above 50 €.' } });
    expect(reply.statusCode, reply.body).toBe(201);
    const sent = await eventually(async () => (await messagesOf(conversation.id)).find((m) => m.id === reply.json().id && m.status === 'sent'));
    expect(smsc.texts()).toContain('Yes, every Tuesday — free above 50 €.');
    expect(smsc.submitted.at(-1)).toMatchObject({ to: '4915112345678', from: '4915550100', dataCoding: 8 });

    await smsc.receipt(sent.externalId, 'DELIVRD');
    await eventually(async () => (await messagesOf(conversation.id)).find((m) => m.id === sent.id && m.status === 'delivered'));
  });

  it('a Twilio-compatible inbox takes a signed inbound SMS on the same card and replies through the provider', async () => {
    const inboxId = await createInbox('SMS (HTTP)', { provider: 'http', baseUrl: twilio.url, from: '+15005550006' }, { accountSid: twilio.accountSid, authToken: twilio.authToken });
    const contactId = await card('Katherine Johnson', '+14155550199');
    const params = { MessageSid: 'SMinbound1', AccountSid: twilio.accountSid, From: '+14155550199', To: '+15005550006', Body: 'Table for two?', NumMedia: '0' };
    const url = `${PUBLIC_URL}/api/v1/channels/${inboxId}/webhook`;
    const post = (signature: string) => server.app.inject({ method: 'POST', url: `/api/v1/channels/${inboxId}/webhook`, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: new URLSearchParams(params).toString() });
    expect((await post('bm90IGEgc2lnbmF0dXJl')).statusCode).toBe(403);
    expect((await post(twilioSignature(twilio.authToken, url, params))).statusCode).toBe(200);

    const conversation = await eventually(async () => itemsOf(await conversationsOf(contactId)).find((c) => c.inboxId === inboxId));
    const reply = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversation.id}/messages`, headers: admin.headers, payload: { text: 'Booked for 8 pm.' } });
    await eventually(async () => (await messagesOf(conversation.id)).find((m) => m.id === reply.json().id && m.status === 'sent'));
    expect(twilio.sent.at(-1)).toMatchObject({ To: '+14155550199', From: '+15005550006', Body: 'Booked for 8 pm.', StatusCallback: url });
  });

  it('counts what a reply costs in SMS for the reply box', async () => {
    const response = await server.app.inject({ method: 'POST', url: '/api/v1/sms/segments', headers: admin.headers, payload: { text: 'é'.repeat(10) + '😀' } });
    expect(response.json()).toMatchObject({ encoding: 'UCS-2', segments: 1 });
  });
});
