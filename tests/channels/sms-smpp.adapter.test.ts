import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelStateEvent, InboundSink, NormalizedInbound, StatusEvent } from '../../channels/channel-adapter.ts';
import { ChannelError } from '../../channels/channel-error.ts';
import { SmsAdapter } from '../../channels/sms/sms.adapter.ts';
import { smsSegments } from '../../channels/sms/sms-segments.ts';
import { testAdapterContext } from '../helpers/channel-context.ts';
import { fakeSmsc } from '../helpers/smsc.ts';
import { eventually } from '../helpers/test-server.ts';
import { channelConformance } from './conformance.ts';

type Smsc = Awaited<ReturnType<typeof fakeSmsc>>;
const FAST = { enquireLinkMs: 200, requestTimeoutMs: 2000, reconnectMinMs: 50, reconnectMaxMs: 400 };
const inbox = (smsc: Smsc, extra: { settings?: Record<string, unknown>; password?: string } = {}) => ({
  id: 12,
  kind: 'sms' as const,
  name: 'SMS',
  settings: { provider: 'smpp', url: smsc.url, from: '+4915550100', ...extra.settings },
  secret: 's',
  credentials: { systemId: smsc.credentials.systemId, password: extra.password ?? smsc.credentials.password },
  updatedAt: new Date(),
});
const address = { inboxId: 12, externalThreadId: '+4915112345678', externalUserId: '+4915112345678' };
const reply = (id: number, text: string) => ({ id, conversationId: 1, text, attachments: [] });

channelConformance('the SMS channel over SMPP', async () => {
  const smsc = await fakeSmsc();
  return {
    adapter: new SmsAdapter(inbox(smsc), testAdapterContext({ sms: FAST })),
    address,
    customerWrites: async (text) => void (await smsc.customerSends('+4915112345678', text)),
    peerFailsNextSend: (kind) => void smsc.failures.push(kind === 'temporary' ? 0x58 : 0x0b),
    received: async () => smsc.texts(),
    close: smsc.close,
  };
});

describe('SMS over SMPP', () => {
  let smsc: Smsc;
  let adapter: SmsAdapter;
  let abort: AbortController;
  let messages: NormalizedInbound[];
  let statuses: StatusEvent[];
  let states: ChannelStateEvent[];
  let sink: InboundSink;

  beforeEach(async () => {
    smsc = await fakeSmsc();
    abort = new AbortController();
    messages = [];
    statuses = [];
    states = [];
    sink = { message: async (m) => void messages.push(m), status: async (s) => void statuses.push(s), edit: async () => {}, state: async (s) => void states.push(s) };
    adapter = new SmsAdapter(inbox(smsc), testAdapterContext({ sms: FAST }));
  });
  afterEach(async () => {
    abort.abort();
    await adapter.stop();
    await smsc.close();
  });

  it('binds as transceiver to receive, and a customer SMS arrives from their number in E.164', async () => {
    await adapter.start(sink, abort.signal);
    expect(await smsc.customerSends('+4915112345678', 'Is the shop open on Sunday?')).toBe(0);
    expect(smsc.binds).toEqual(['bind_transceiver']);
    expect(messages[0]).toMatchObject({ inboxId: 12, externalThreadId: '+4915112345678', sender: { externalUserId: '+4915112345678', phone: '+4915112345678' }, text: 'Is the shop open on Sunday?' });
    expect(states.map((s) => s.status)).toContain('connected');
  });

  it('reads a national number in the inbox\'s default country, and keeps an alphanumeric sender without a phone', async () => {
    adapter = new SmsAdapter(inbox(smsc, { settings: { defaultCountry: 'DE' } }), testAdapterContext({ sms: FAST }));
    await adapter.start(sink, abort.signal);
    await smsc.customerSends('015112345678', 'national', { source_addr_ton: 2 });
    await smsc.customerSends('MyBank', 'alpha', { source_addr_ton: 5 });
    expect(messages.map((m) => [m.sender.externalUserId, m.sender.phone])).toEqual([['+4915112345678', '+4915112345678'], ['MyBank', undefined]]);
  });

  it('puts a long customer SMS back together from its concatenated parts', async () => {
    await adapter.start(sink, abort.signal);
    const udh = (seq: number) => Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, seq]);
    await smsc.customerSends('+4915112345678', '', { short_message: { udh: udh(2), message: 'second half.' } });
    expect(messages).toEqual([]);
    await smsc.customerSends('+4915112345678', '', { short_message: { udh: udh(1), message: 'First half, ' } });
    expect(messages.map((m) => m.text)).toEqual(['First half, second half.']);
  });

  it('splits a long GSM-7 text into 153-septet parts with one concatenation reference', async () => {
    const text = `${'Your order has shipped. '.repeat(12)}Thanks!`;
    const { externalId } = await adapter.send(address, reply(1, text));
    const expected = smsSegments(text);
    expect(expected.segments).toBe(2);
    expect(smsc.submitted.map((s) => [s.to, s.text, s.dataCoding, s.udh?.[3], s.udh?.[4]])).toEqual([['4915112345678', expected.parts[0], 0, 2, 1], ['4915112345678', expected.parts[1], 0, 2, 2]]);
    expect(smsc.submitted[0]!.udh![2]).toBe(smsc.submitted[1]!.udh![2]);
    expect(externalId).toBe(smsc.submitted[0]!.messageId);
    expect(smsc.texts()).toEqual([text]);
  });

  it('sends a text with an emoji as UCS-2, and GSM extension characters as GSM-7', async () => {
    await adapter.send(address, reply(2, 'Danke! 🎉'));
    await adapter.send(address, reply(3, 'Price: 5€ [net]'));
    expect(smsc.submitted.map((s) => [s.text, s.dataCoding])).toEqual([['Danke! 🎉', 8], ['Price: 5€ [net]', 0]]);
  });

  it('a send from a process that does not receive binds as transmitter, so customer messages never reach it', async () => {
    await adapter.send(address, reply(4, 'from the worker'));
    expect(smsc.binds).toEqual(['bind_transmitter']);
    expect(smsc.bound()).toBe(0);
  });

  it('turns delivery receipts into delivered and failed statuses', async () => {
    await adapter.start(sink, abort.signal);
    const { externalId } = await adapter.send(address, reply(5, 'receipt please'));
    await smsc.receipt(externalId, 'ENROUTE');
    await smsc.receipt(externalId, 'DELIVRD');
    await smsc.receipt('smsc-other', 'UNDELIV', '001');
    expect(statuses.map((s) => [s.externalMessageId, s.status, s.reason])).toEqual([[externalId, 'delivered', undefined], ['smsc-other', 'failed', 'SMS undeliv (error 001)']]);
    expect(messages).toEqual([]);
  });

  it('asks the SMS centre to deliver again when the inbox could not store a message', async () => {
    let fail = true;
    await adapter.start({ ...sink, message: async (m) => { if (fail) throw new Error('database down'); messages.push(m); } }, abort.signal);
    expect(await smsc.customerSends('+4915112345678', 'try again')).toBe(0x64);
    fail = false;
    expect(await smsc.customerSends('+4915112345678', 'try again')).toBe(0);
    expect(messages.map((m) => m.text)).toEqual(['try again']);
  });

  it('keeps the bind alive with enquire_link and binds again after the SMS centre drops it', async () => {
    await adapter.start(sink, abort.signal);
    await eventually(async () => smsc.enquireLinks() >= 2, 5000);
    smsc.dropConnections();
    await eventually(async () => states.some((s) => s.status === 'disconnected'), 5000);
    await eventually(async () => smsc.bound() === 1 && smsc.binds.length === 2, 5000);
    await smsc.customerSends('+4915112345678', 'after the reconnect');
    expect(messages.map((m) => m.text)).toEqual(['after the reconnect']);
    await adapter.send(address, reply(6, 'still sending'));
    expect(smsc.texts()).toEqual(['still sending']);
  });

  it('says clearly when the SMS centre refuses the password, and a send fails for good at once instead of waiting', async () => {
    adapter = new SmsAdapter(inbox(smsc, { password: 'wrong' }), testAdapterContext({ sms: { ...FAST, requestTimeoutMs: 5000 } }));
    await adapter.start(sink, abort.signal);
    const started = Date.now();
    const failed = (await adapter.send(address, reply(7, 'x')).catch((e: unknown) => e)) as ChannelError;
    expect([failed.code, failed.retryable]).toEqual(['AUTH', false]);
    expect(Date.now() - started).toBeLessThan(2000);
    const error = await eventually(async () => states.find((s) => s.status === 'error'), 5000);
    expect(error.detail).toMatch(/refused the bind \(status 0xe: check system id and password\)/);
    expect(await adapter.testConnection()).toEqual([{ name: 'smpp', ok: false, message: expect.stringMatching(/refused the bind/) }]);
  });

  it('maps submit_sm refusals: throttled retries later, a bad destination fails for good', async () => {
    smsc.failures.push(0x58, 0x0b, 0x45);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(((await adapter.send(address, reply(8 + i, 'x')).catch((e: unknown) => e)) as ChannelError).code);
    expect(codes).toEqual(['RATE_LIMITED', 'INVALID_RECIPIENT', 'REJECTED']);
  });

  it('refuses a file, since SMS carries text only', async () => {
    const error = (await adapter.send(address, { id: 11, conversationId: 1, text: 'see file', attachments: [{ key: '202611/x', name: 'a.pdf' }] }).catch((e: unknown) => e)) as ChannelError;
    expect([error.code, error.message]).toEqual(['REJECTED', expect.stringMatching(/text only/)]);
  });
});
