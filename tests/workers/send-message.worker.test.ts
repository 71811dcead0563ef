import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/channel-error.ts';
import type { TestAdapter } from '../../channels/test/test.adapter.ts';
import type { IngestResult } from '../../src/inbox/ingest.service.ts';
import { Message } from '../../src/store/entities/index.ts';
import { sendJobId } from '../../workers/queues.ts';
import { eventually, nextEvent, TestServer, type Session } from '../helpers/test-server.ts';

interface MessageView {
  id: number;
  status: string;
  failureReason: string | null;
  externalId: string | null;
}

/** Records when the worker calls the channel, failed calls included (TestAdapter.sent only keeps successes). */
function recordAttempts(channel: TestAdapter): number[] {
  const attempts: number[] = [];
  const send = channel.send.bind(channel);
  channel.send = (to, message) => {
    attempts.push(Date.now());
    return send(to, message);
  };
  return attempts;
}

/** Helpers bound to one server: a customer writes, an operator replies, we read the reply back. */
function using(server: TestServer) {
  let admin: Session | undefined;
  const headers = async () => (admin ??= await server.login()).headers;
  const fetchMessage = async (conversationId: number, id: number): Promise<MessageView> => {
    const response = await server.app.inject({ url: `/api/v1/conversations/${conversationId}/messages`, headers: await headers() });
    return response.json().items.find((m: MessageView) => m.id === id);
  };
  return {
    /** A fresh inbox, so each test has its own channel and script of failures. */
    async channel(): Promise<TestAdapter> {
      return server.testChannel((await server.inbox('test')).id);
    },
    async reply(channel: TestAdapter, text = 'our answer'): Promise<{ conversationId: number; id: number }> {
      const inbound = (await channel.receive({ externalMessageId: randomBytes(6).toString('hex'), sender: { externalUserId: `customer-${randomBytes(3).toString('hex')}` }, text: 'question' })) as IngestResult;
      const response = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${inbound.conversationId}/messages`, headers: await headers(), payload: { text } });
      expect(response.statusCode).toBe(201);
      return { conversationId: inbound.conversationId, id: response.json().id };
    },
    fetchMessage,
    /** Waits until the reply reaches one of these statuses. */
    settled: (reply: { conversationId: number; id: number }, statuses: string[], ms?: number) =>
      eventually(async () => {
        const message = await fetchMessage(reply.conversationId, reply.id);
        return statuses.includes(message.status) ? message : undefined;
      }, ms),
    /** Waits until BullMQ has finished a job for good (no retry pending) and returns what the processor answered. */
    finished: (jobId: string) =>
      eventually(async () => {
        // State first: a job read before it completed would carry no return value yet.
        if ((await server.services.queues.sendMessage.getJobState(jobId)) !== 'completed') return undefined;
        return { result: (await server.services.queues.sendMessage.getJob(jobId))!.returnvalue as string };
      }),
  };
}

describe('send-message worker', () => {
  let server: TestServer;
  let on: ReturnType<typeof using>;

  beforeAll(async () => {
    server = await TestServer.start();
    on = using(server);
  });
  afterAll(() => server.close());

  it('retries a temporary channel error and then sends the reply once', async () => {
    const channel = await on.channel();
    const attempts = recordAttempts(channel);
    channel.failNext(new ChannelError('TEMPORARY', 'gateway timeout'));
    const reply = await on.reply(channel, 'eventually delivered');

    const sent = await on.settled(reply, ['sent', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', failureReason: null, externalId: expect.any(String) });
    expect(attempts).toHaveLength(2);
    expect(channel.sent.map((s) => s.message.text)).toEqual(['eventually delivered']);
  });

  it('waits at least as long as the channel asked before retrying a rate-limited send', async () => {
    const channel = await on.channel();
    const attempts = recordAttempts(channel);
    // Longer than the worker's own first back-off (1 s), so the test fails if Retry-After is ignored.
    const retryAfterMs = 1500;
    channel.failNext(new ChannelError('RATE_LIMITED', 'too many requests', { retryAfterMs }));
    const reply = await on.reply(channel);

    expect((await on.settled(reply, ['sent', 'failed'])).status).toBe('sent');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(retryAfterMs);
    expect(channel.sent).toHaveLength(1);
  });

  it.each([
    ['INVALID_RECIPIENT', 'This number is not on the channel'],
    ['BLOCKED_BY_USER', 'The customer blocked the bot'],
  ] as const)('fails at once on %s, with the reason on the message, and does not retry', async (code, reason) => {
    const channel = await on.channel();
    const attempts = recordAttempts(channel);
    channel.failNext(new ChannelError(code, reason));
    const reply = await on.reply(channel);

    const failed = await on.settled(reply, ['failed', 'sent']);
    expect(failed).toMatchObject({ status: 'failed', failureReason: expect.stringContaining(reason) });
    // The job is done for good: nothing is left waiting to retry.
    expect(await on.finished(sendJobId(reply.id))).toEqual({ result: 'failed' });
    expect(attempts).toHaveLength(1);
    expect(channel.sent).toEqual([]);
  });

  it('shows the customer as unreachable on their card when they blocked the bot, and only that channel identity', async () => {
    const channel = await on.channel();
    channel.failNext(new ChannelError('BLOCKED_BY_USER', 'Forbidden: bot was blocked by the user'));
    const inbound = (await channel.receive({ externalMessageId: randomBytes(6).toString('hex'), sender: { externalUserId: 'blocker', email: 'blocker@example.com' }, text: 'hi' })) as IngestResult;
    const admin = await server.login();
    const reply = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${inbound.conversationId}/messages`, headers: admin.headers, payload: { text: 'hello?' } });
    await on.settled({ conversationId: inbound.conversationId, id: reply.json().id }, ['failed']);

    const card = await eventually(async () => {
      const body = (await server.app.inject({ url: `/api/v1/contacts/${inbound.contactId}`, headers: admin.headers })).json();
      return body.identities.some((i: { unreachableReason: string | null }) => i.unreachableReason) ? body : undefined;
    });
    expect(card.identities).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'test', unreachableReason: 'Forbidden: bot was blocked by the user' }),
      expect.objectContaining({ kind: 'email', value: 'blocker@example.com', unreachableReason: null }),
    ]));
  });

  it('keeps replies in one chat within the channel\'s per-chat rate limit, sending each once', async () => {
    const perMs = 400;
    const inbox = await server.inbox('test', { settings: { rateLimits: { perThread: { max: 1, perMs } } } });
    const channel = await server.testChannel(inbox.id);
    const attempts = recordAttempts(channel);
    const inbound = (await channel.receive({ externalMessageId: randomBytes(6).toString('hex'), sender: { externalUserId: 'chatty' }, text: 'hi' })) as IngestResult;
    const admin = await server.login();
    const ids: number[] = [];
    for (const text of ['one', 'two', 'three']) {
      const response = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${inbound.conversationId}/messages`, headers: admin.headers, payload: { text } });
      ids.push(response.json().id);
    }
    for (const id of ids) await on.settled({ conversationId: inbound.conversationId, id }, ['sent'], 10_000);

    expect(channel.sent.map((s) => s.message.text).sort()).toEqual(['one', 'three', 'two']);
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
    // Slots are booked 400 ms apart; a busy machine may delay one send after its booking by a few hundred ms,
    // which narrows the gap seen here. Unlimited, the three go out within a few ms of each other.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(perMs * 0.5);
  });

  it('sends a reply once however many jobs ask for it', async () => {
    const channel = await on.channel();
    const reply = await on.reply(channel);
    await on.settled(reply, ['sent']);

    await server.services.replies.enqueue(reply.id);
    const extra = await server.services.queues.sendMessage.add('send', { messageId: reply.id }, { jobId: `duplicate-${reply.id}` });
    expect(await on.finished(extra.id!)).toEqual({ result: 'already-handled' });

    expect(channel.sent).toHaveLength(1);
    expect((await on.fetchMessage(reply.conversationId, reply.id)).status).toBe('sent');
  });

  it('pushes message.updated with status sent to an operator who can see the inbox', async () => {
    const agent = await server.operator('operator');
    const inbox = await server.inbox('test', { memberIds: [agent.operatorId] });
    const channel = await server.testChannel(inbox.id);
    const socket = await server.socket(agent);
    const updated = nextEvent(socket, 'message.updated', (e: { message: { inboxId: number; status: string } }) => e.message.inboxId === inbox.id && e.message.status === 'sent');

    const reply = await on.reply(channel, 'live status');
    const event = await updated;
    expect(event.message).toMatchObject({ id: reply.id, conversationId: reply.conversationId, status: 'sent', text: 'live status', externalId: channel.sent[0]!.externalId });
  });
});

describe('send-message worker with two attempts', () => {
  let server: TestServer;
  let on: ReturnType<typeof using>;

  beforeAll(async () => {
    server = await TestServer.start({ config: { SEND_ATTEMPTS: 2 } });
    on = using(server);
  });
  afterAll(() => server.close());

  it('marks the reply failed when every attempt failed temporarily', async () => {
    const channel = await on.channel();
    const attempts = recordAttempts(channel);
    channel.failNext(new ChannelError('TEMPORARY', 'first outage'), new ChannelError('TEMPORARY', 'still down'));
    const reply = await on.reply(channel);

    const failed = await on.settled(reply, ['failed', 'sent']);
    expect(failed).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('still down') });
    expect(await on.finished(sendJobId(reply.id))).toEqual({ result: 'failed' });
    expect(attempts).toHaveLength(2);
    expect(channel.sent).toEqual([]);
  });
});

describe('send-message worker after a crash mid-send', () => {
  // Replies are written on a server without workers, so nothing sends them until we say so.
  let quiet: TestServer;
  let worker: TestServer | undefined;

  beforeAll(async () => {
    quiet = await TestServer.start({ workers: false });
  });
  afterAll(async () => {
    await worker?.close();
    await quiet.close();
  });

  it('marks a reply found mid-send as unknown and does not send it again', async () => {
    const on = using(quiet);
    const inbox = await quiet.inbox('test');
    const reply = await on.reply(await quiet.testChannel(inbox.id));
    // As if a worker had claimed the message and died before the channel answered.
    await quiet.runtime.orm.em.fork().nativeUpdate(Message, { id: reply.id }, { status: 'sending' });

    // A second node of the same deployment runs the workers and picks the job up.
    worker = await TestServer.start({ shareWith: quiet });
    const unknown = await on.settled(reply, ['unknown', 'sent', 'failed']);
    expect(unknown).toMatchObject({ status: 'unknown', failureReason: expect.stringMatching(/stopped while this message was being sent/) });
    expect((await worker.testChannel(inbox.id)).sent).toEqual([]);
    expect((await quiet.testChannel(inbox.id)).sent).toEqual([]);
  });
});
