import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../../src/inbox/ingest.service.ts';
import { Conversation } from '../../../src/store/entities/index.ts';
import { eventually, nextEvent, TestServer, type Session } from '../../helpers/test-server.ts';

/** Replying to a client card on a channel of the operator's choice: two test-channel inboxes stand for two channels. */
describe('replying to a card on another of its channels', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await TestServer.start();
    admin = await server.login();
  });
  afterAll(() => server.close());

  const call = (session: Session, method: 'GET' | 'POST', url: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: session.headers, payload });

  /** A customer who wrote on inbox A; inbox B is another channel the card may or may not be reachable on. */
  async function world(memberIds: number[] = []) {
    const a = await server.inbox('test', { name: `Chat ${randomBytes(2).toString('hex')}`, memberIds });
    const b = await server.inbox('test', { name: `Sales ${randomBytes(2).toString('hex')}`, memberIds });
    const channelA = await server.testChannel(a.id);
    const channelB = await server.testChannel(b.id);
    const user = `ada-${randomBytes(3).toString('hex')}`;
    const inbound = (await channelA.receive({ externalMessageId: `in-${user}`, sender: { externalUserId: user, name: 'Ada' }, text: 'hello' })) as IngestResult;
    return { a, b, channelA, channelB, user, contactId: inbound.contactId, conversationId: inbound.conversationId };
  }

  const conversationsOf = (contactId: number) => server.runtime.orm.em.fork().find(Conversation, { contact: contactId }, { orderBy: { id: 'asc' } });

  it('opens a new conversation on the chosen channel for the card\'s identity there, and sends the reply on it', async () => {
    const w = await world();
    expect((await call(admin, 'POST', `/contacts/${w.contactId}/identities`, { kind: 'test', value: `${w.b.id}:${w.user}-b` })).statusCode).toBe(201);
    const channels = (await call(admin, 'GET', `/contacts/${w.contactId}/channels`)).json();
    expect(channels).toEqual([
      expect.objectContaining({ inboxId: w.a.id, conversationId: w.conversationId, address: null }),
      expect.objectContaining({ inboxId: w.b.id, conversationId: null, address: `${w.b.id}:${w.user}-b`, unreachableReason: null }),
    ]);

    const socket = await server.socket(admin);
    const created = nextEvent(socket, 'conversation.created', (e) => e.conversation.inboxId === w.b.id);
    const answer = await call(admin, 'POST', `/contacts/${w.contactId}/messages`, { inboxId: w.b.id, text: 'Our sales team here' });
    expect(answer.statusCode).toBe(201);
    const { conversation, message } = answer.json();
    expect(conversation).toMatchObject({ inboxId: w.b.id, contactId: w.contactId, status: 'open', assigneeId: admin.operatorId, externalThreadId: `${w.user}-b` });
    expect(message).toMatchObject({ conversationId: conversation.id, inboxId: w.b.id, direction: 'out', status: 'queued', text: 'Our sales team here' });
    expect((await created).contact).toEqual({ id: w.contactId, name: 'Ada' });

    const sent = await eventually(async () => w.channelB.sent.find((s) => s.message.text === 'Our sales team here'));
    expect(sent.to).toEqual({ inboxId: w.b.id, externalThreadId: `${w.user}-b`, externalUserId: `${w.user}-b` });
    expect(w.channelA.sent).toEqual([]);

    // The customer answers on that channel: it lands in the same conversation.
    const back = (await w.channelB.receive({ externalMessageId: `back-${w.user}`, sender: { externalUserId: `${w.user}-b` }, text: 'thanks' })) as IngestResult;
    expect(back.conversationId).toBe(conversation.id);
    expect(back.contactId).toBe(w.contactId);
  });

  it('sends into the card\'s existing conversation on that inbox rather than opening another', async () => {
    const w = await world();
    const answer = await call(admin, 'POST', `/contacts/${w.contactId}/messages`, { inboxId: w.a.id, text: 'same place' });
    expect(answer.statusCode).toBe(201);
    expect(answer.json().conversation.id).toBe(w.conversationId);
    expect((await conversationsOf(w.contactId)).map((c) => c.id)).toEqual([w.conversationId]);
    await eventually(async () => w.channelA.sent.find((s) => s.message.text === 'same place'));
  });

  it('refuses a channel the card has no identity on with 422 NO_IDENTITY_FOR_CHANNEL, and opens nothing', async () => {
    const w = await world();
    expect((await call(admin, 'GET', `/contacts/${w.contactId}/channels`)).json().map((c: { inboxId: number }) => c.inboxId)).toEqual([w.a.id]);
    const answer = await call(admin, 'POST', `/contacts/${w.contactId}/messages`, { inboxId: w.b.id, text: 'hello?' });
    expect(answer.statusCode).toBe(422);
    expect(answer.json().error).toMatchObject({ code: 'NO_IDENTITY_FOR_CHANNEL', message: expect.stringContaining('no identity') });
    expect(await conversationsOf(w.contactId)).toHaveLength(1);
  });

  it('refuses an empty reply with 400 before opening a conversation', async () => {
    const w = await world();
    await call(admin, 'POST', `/contacts/${w.contactId}/identities`, { kind: 'test', value: `${w.b.id}:${w.user}-b` });
    const answer = await call(admin, 'POST', `/contacts/${w.contactId}/messages`, { inboxId: w.b.id, text: '  ' });
    expect(answer.statusCode).toBe(400);
    expect(await conversationsOf(w.contactId)).toHaveLength(1);
  });

  it('hides inboxes the operator cannot see (404, not listed), answers 404 for an unknown card, 403 for a marketer, 400 for a bad body', async () => {
    const member = await server.operator('operator');
    const w = await world();
    // The operator is a member of A only.
    await server.app.inject({ method: 'PATCH', url: `/api/v1/inboxes/${w.a.id}`, headers: admin.headers, payload: { memberIds: [member.operatorId] } });
    await call(admin, 'POST', `/contacts/${w.contactId}/identities`, { kind: 'test', value: `${w.b.id}:${w.user}-b` });

    expect((await call(member, 'GET', `/contacts/${w.contactId}/channels`)).json().map((c: { inboxId: number }) => c.inboxId)).toEqual([w.a.id]);
    const hidden = await call(member, 'POST', `/contacts/${w.contactId}/messages`, { inboxId: w.b.id, text: 'sneaky' });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.code).toBe('NOT_FOUND');
    expect((await call(member, 'POST', `/contacts/999999/messages`, { inboxId: w.a.id, text: 'hi' })).statusCode).toBe(404);
    expect((await call(member, 'GET', `/contacts/999999/channels`)).statusCode).toBe(404);
    const marketer = await server.operator('marketer');
    expect((await call(marketer, 'POST', `/contacts/${w.contactId}/messages`, { inboxId: w.a.id, text: 'hi' })).statusCode).toBe(403);
    expect((await call(marketer, 'GET', `/contacts/${w.contactId}/channels`)).statusCode).toBe(403);
    const bad = await call(member, 'POST', `/contacts/${w.contactId}/messages`, { inboxId: 'x', text: 'hi', private: true });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION');
    expect(await conversationsOf(w.contactId)).toHaveLength(1);
    expect((await call(member, 'POST', `/contacts/${w.contactId}/messages`, { inboxId: w.a.id, text: 'allowed' })).statusCode).toBe(201);
  });
});
