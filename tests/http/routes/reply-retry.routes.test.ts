import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpPeer } from '../../helpers/http-peer.ts';
import { Message } from '../../../src/store/entities/index.ts';
import { retryJobId } from '../../../workers/queues.ts';
import { eventually, nextEvent, TestServer, type Session } from '../../helpers/test-server.ts';

/**
 * "Retry" on a failed reply, against a real integration: an API-channel inbox whose callback URL (a loopback
 * HTTP server) refuses replies for good (422) until it is fixed.
 */
describe('retrying a failed reply', () => {
  let server: TestServer;
  let admin: Session;
  let peerAccepts = false;
  let peer: Awaited<ReturnType<typeof httpPeer>>;
  let sequence = 0;

  beforeAll(async () => {
    server = await TestServer.start();
    admin = await server.login();
    peer = await httpPeer(() => (peerAccepts ? { status: 200 } : { status: 422, body: { error: 'unknown recipient' } }));
  });
  afterAll(async () => {
    await peer?.close();
    await server?.close();
  });

  const call = (session: Session, method: 'GET' | 'POST', url: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: session.headers, payload });

  /** An API inbox (members: these operators), a customer who wrote, and a reply the peer refused. */
  async function failedReply(memberIds: number[] = []) {
    peerAccepts = false;
    const inbox = await server.inbox('api', { settings: { callbackUrl: peer.url }, memberIds });
    const inbound = await server.app.inject({ method: 'POST', url: `/api/v1/channels/api/${inbox.id}/messages`, headers: { authorization: `Bearer ${inbox.secret}` }, payload: { externalMessageId: `q-${++sequence}`, sender: { externalUserId: `customer-${sequence}` }, text: 'question' } });
    expect(inbound.statusCode).toBeLessThan(300);
    const conversationId: number = inbound.json().conversationId;
    const reply = await call(admin, 'POST', `/conversations/${conversationId}/messages`, { text: 'our answer' });
    expect(reply.statusCode).toBe(201);
    const failed = await settled(conversationId, reply.json().id, ['failed']);
    return { inboxId: inbox.id, conversationId, messageId: failed.id as number, failed };
  }

  async function settled(conversationId: number, id: number, statuses: string[]) {
    return eventually(async () => {
      const items = (await call(admin, 'GET', `/conversations/${conversationId}/messages`)).json().items;
      const message = items.find((m: { id: number }) => m.id === id);
      return statuses.includes(message?.status) ? message : undefined;
    });
  }

  it('shows why the reply failed, and sends it once the peer is fixed, telling operators each step', async () => {
    const { conversationId, messageId, failed } = await failedReply();
    expect(failed.failureReason).toContain('Callback URL answered 422');
    const deliveriesBefore = peer.received.length;

    const socket = await server.socket(admin);
    const requeued = nextEvent(socket, 'message.updated', (e) => e.message.id === messageId && e.message.status === 'queued');
    const sentEvent = nextEvent(socket, 'message.updated', (e) => e.message.id === messageId && e.message.status === 'sent');
    peerAccepts = true;
    const retry = await call(admin, 'POST', `/conversations/${conversationId}/messages/${messageId}/retry`);
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ id: messageId, status: 'queued', failureReason: null, meta: { retries: 1 } });
    expect((await requeued).message.failureReason).toBeNull();
    expect((await sentEvent).message.externalId).toMatch(/^peer-/);

    const sent = await settled(conversationId, messageId, ['sent']);
    expect(sent.failureReason).toBeNull();
    expect(peer.received.length - deliveriesBefore).toBe(1);
  });

  it('refuses to send again a reply that did not fail (409 NOT_FAILED), so it is never sent twice', async () => {
    const { conversationId, messageId } = await failedReply();
    const before = peer.received.length;
    peerAccepts = true;
    expect((await call(admin, 'POST', `/conversations/${conversationId}/messages/${messageId}/retry`)).statusCode).toBe(200);
    await settled(conversationId, messageId, ['sent']);
    const again = await call(admin, 'POST', `/conversations/${conversationId}/messages/${messageId}/retry`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'NOT_FAILED', message: expect.stringContaining('sent') });
    expect(peer.received.length - before).toBe(1);
  });

  it('lets only one of two operators pressing Retry at the same moment send it', async () => {
    const { conversationId, messageId } = await failedReply();
    const before = peer.received.length;
    peerAccepts = true;
    const answers = await Promise.all([1, 2].map(() => call(admin, 'POST', `/conversations/${conversationId}/messages/${messageId}/retry`)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    await settled(conversationId, messageId, ['sent']);
    // Give a second job (were there one) time to reach the peer.
    await new Promise((r) => setTimeout(r, 500));
    expect(peer.received.length - before).toBe(1);
  });

  it('refuses a customer message or a private note with 422 NOT_RETRYABLE', async () => {
    const { conversationId } = await failedReply();
    const items = (await call(admin, 'GET', `/conversations/${conversationId}/messages`)).json().items;
    const inbound = items.find((m: { direction: string }) => m.direction === 'in');
    const note = (await call(admin, 'POST', `/conversations/${conversationId}/messages`, { text: 'internal', private: true })).json();
    for (const id of [inbound.id, note.id]) {
      const answer = await call(admin, 'POST', `/conversations/${conversationId}/messages/${id}/retry`);
      expect(answer.statusCode).toBe(422);
      expect(answer.json().error.code).toBe('NOT_RETRYABLE');
    }
  });

  it('answers 404 for a message of another conversation, or a conversation the operator cannot see; 403 for a marketer', async () => {
    const member = await server.operator('operator');
    const outsider = await server.operator('operator');
    const marketer = await server.operator('marketer');
    const { conversationId, messageId } = await failedReply([member.operatorId]);
    const other = await failedReply([member.operatorId]);

    const wrongConversation = await call(member, 'POST', `/conversations/${other.conversationId}/messages/${messageId}/retry`);
    expect(wrongConversation.statusCode).toBe(404);
    expect(wrongConversation.json().error.code).toBe('NOT_FOUND');
    expect((await call(outsider, 'POST', `/conversations/${conversationId}/messages/${messageId}/retry`)).statusCode).toBe(404);
    expect((await call(marketer, 'POST', `/conversations/${conversationId}/messages/${messageId}/retry`)).statusCode).toBe(403);
    const bad = await call(member, 'POST', `/conversations/${conversationId}/messages/abc/retry`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION');
    // Nothing changed for those refused; the member may retry it.
    expect((await settled(conversationId, messageId, ['failed'])).status).toBe('failed');
    peerAccepts = true;
    expect((await call(member, 'POST', `/conversations/${conversationId}/messages/${messageId}/retry`)).statusCode).toBe(200);
    await settled(conversationId, messageId, ['sent']);
  });

  it('hands a retried reply whose job was lost back to the queue at start-up, under its attempt\'s job id, and sends it once', async () => {
    const { conversationId, messageId } = await failedReply();
    const before = peer.received.length;
    peerAccepts = true;
    // As if the retry had been recorded but Redis lost its job.
    await server.runtime.orm.em.fork().nativeUpdate(Message, { id: messageId }, { status: 'queued', failureReason: null, meta: { retries: 1 } });
    await server.services.replies.requeueStuck();
    await server.services.replies.requeueStuck();
    await settled(conversationId, messageId, ['sent']);
    expect(await server.services.queues.sendMessage.getJob(retryJobId(messageId, 1))).toBeTruthy();
    await new Promise((r) => setTimeout(r, 300));
    expect(peer.received.length - before).toBe(1);
  });
});
