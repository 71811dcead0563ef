import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAdapter } from '../../../channels/test/test.adapter.ts';
import type { IngestResult } from '../../../src/inbox/ingest.service.ts';
import { eventually, nextEvent, TestServer, type Session } from '../../helpers/test-server.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe('conversations API', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await TestServer.start();
    admin = await server.login();
  });
  afterAll(() => server.close());

  const call = (session: Session, method: Method, url: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: session.headers, payload });

  /** A fresh test inbox and its channel, so each test sees only its own conversations. */
  async function testInbox(payload: Record<string, unknown> = {}) {
    const inbox = await server.inbox('test', payload);
    return { inboxId: inbox.id, channel: await server.testChannel(inbox.id) };
  }

  /** A customer writes; returns the conversation it landed in. */
  async function customerWrites(channel: TestAdapter, userId: string, text = 'hello'): Promise<number> {
    const result = (await channel.receive({ externalMessageId: `in-${randomBytes(6).toString('hex')}`, sender: { externalUserId: userId }, text })) as IngestResult;
    return result.conversationId;
  }

  const listIds = async (query: string, session = admin): Promise<number[]> => {
    const response = await call(session, 'GET', `/conversations?${query}`);
    expect(response.statusCode).toBe(200);
    return response.json().items.map((c: { id: number }) => c.id);
  };
  const conversation = async (id: number) => (await call(admin, 'GET', `/conversations/${id}`)).json();
  const messages = async (id: number) => (await call(admin, 'GET', `/conversations/${id}/messages`)).json().items;

  describe('listing', () => {
    it('walks every page newest activity first, with no repeats and no gaps', async () => {
      const { inboxId, channel } = await testInbox();
      const created: number[] = [];
      for (let i = 1; i <= 7; i++) created.push(await customerWrites(channel, `pager-${i}`));
      // The first customer writes again, so their conversation has the newest activity.
      await customerWrites(channel, 'pager-1', 'me again');
      const expected = [created[0]!, ...created.slice(1).reverse()];

      const pages: { id: number; lastActivityAt: string }[][] = [];
      let cursor: string | null = null;
      do {
        const query: string = `inboxId=${inboxId}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const body = (await call(admin, 'GET', `/conversations?${query}`)).json();
        pages.push(body.items);
        cursor = body.nextCursor;
      } while (cursor && pages.length < 10);

      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      const walked = pages.flat();
      expect(walked.map((c) => c.id)).toEqual(expected);
      const times = walked.map((c) => Date.parse(c.lastActivityAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('answers a cursor it never gave out with a 400 JSON error', async () => {
      for (const cursor of ['not-a-cursor', Buffer.from('2024-01-01T00:00:00.000Z|abc').toString('base64url')]) {
        const response = await call(admin, 'GET', `/conversations?cursor=${cursor}`);
        expect(response.statusCode).toBe(400);
        expect(['VALIDATION', 'BAD_REQUEST']).toContain(response.json().error.code);
        expect(response.json().error.message).toEqual(expect.any(String));
      }
    });

    it('filters by status', async () => {
      const { inboxId, channel } = await testInbox();
      const ids: Record<string, number> = {};
      for (const status of ['open', 'pending', 'snoozed', 'resolved'] as const) {
        ids[status] = await customerWrites(channel, `status-${status}`);
        const change = status === 'snoozed' ? { status, snoozedUntil: new Date(Date.now() + 3_600_000).toISOString() } : { status };
        expect((await call(admin, 'PATCH', `/conversations/${ids[status]}`, change)).statusCode).toBe(200);
      }
      for (const status of ['open', 'pending', 'snoozed', 'resolved']) {
        expect(await listIds(`inboxId=${inboxId}&status=${status}`)).toEqual([ids[status]]);
      }
      expect((await call(admin, 'GET', '/conversations?status=closed')).statusCode).toBe(400);
    });

    it('filters by inbox', async () => {
      const first = await testInbox();
      const second = await testInbox();
      const inFirst = await customerWrites(first.channel, 'inbox-filter');
      const inSecond = await customerWrites(second.channel, 'inbox-filter');
      expect(await listIds(`inboxId=${first.inboxId}`)).toEqual([inFirst]);
      expect(await listIds(`inboxId=${second.inboxId}`)).toEqual([inSecond]);
    });

    it('filters by assignee: me, none, or an operator id', async () => {
      const agent = await server.operator('operator');
      const { inboxId, channel } = await testInbox({ memberIds: [agent.operatorId] });
      const mine = await customerWrites(channel, 'assignee-admin');
      const theirs = await customerWrites(channel, 'assignee-agent');
      const nobodys = await customerWrites(channel, 'assignee-none');
      await call(admin, 'PATCH', `/conversations/${mine}`, { assigneeId: admin.operatorId });
      await call(admin, 'PATCH', `/conversations/${theirs}`, { assigneeId: agent.operatorId });

      expect(await listIds(`inboxId=${inboxId}&assignee=me`)).toEqual([mine]);
      expect(await listIds(`inboxId=${inboxId}&assignee=me`, agent)).toEqual([theirs]);
      expect(await listIds(`inboxId=${inboxId}&assignee=none`)).toEqual([nobodys]);
      expect(await listIds(`inboxId=${inboxId}&assignee=${agent.operatorId}`)).toEqual([theirs]);
    });

    it('filters by team', async () => {
      const team = (await call(admin, 'POST', '/teams', { name: `billing-${randomBytes(3).toString('hex')}` })).json();
      const { inboxId, channel } = await testInbox();
      const teamed = await customerWrites(channel, 'team-1');
      await customerWrites(channel, 'team-2');
      const patched = await call(admin, 'PATCH', `/conversations/${teamed}`, { teamId: team.id });
      expect(patched.json().teamId).toBe(team.id);
      expect(await listIds(`inboxId=${inboxId}&teamId=${team.id}`)).toEqual([teamed]);
      expect((await call(admin, 'PATCH', `/conversations/${teamed}`, { teamId: 999_999 })).statusCode).toBe(400);
    });

    it('filters by unread, and marking read resets the unread count', async () => {
      const { inboxId, channel } = await testInbox();
      const read = await customerWrites(channel, 'unread-1');
      await customerWrites(channel, 'unread-1', 'second message');
      const unread = await customerWrites(channel, 'unread-2');
      expect((await conversation(read)).unreadCount).toBe(2);

      const marked = await call(admin, 'POST', `/conversations/${read}/read`);
      expect(marked.statusCode).toBe(200);
      expect(marked.json().unreadCount).toBe(0);
      expect((await conversation(read)).unreadCount).toBe(0);
      expect(await listIds(`inboxId=${inboxId}&unread=true`)).toEqual([unread]);
      expect(await listIds(`inboxId=${inboxId}&unread=false`)).toEqual([read]);
    });
  });

  describe('labels', () => {
    it('adds labels once each, filters by them, and removes one', async () => {
      const { inboxId, channel } = await testInbox();
      const labelled = await customerWrites(channel, 'labels-1');
      await customerWrites(channel, 'labels-2');

      const added = await call(admin, 'POST', `/conversations/${labelled}/labels`, { labels: ['vip', 'billing', 'vip'] });
      expect(added.statusCode).toBe(200);
      expect(added.json().labels).toEqual(['billing', 'vip']);
      expect((await call(admin, 'POST', `/conversations/${labelled}/labels`, { labels: ['vip'] })).json().labels).toEqual(['billing', 'vip']);
      expect(await listIds(`inboxId=${inboxId}&label=vip`)).toEqual([labelled]);

      const removed = await call(admin, 'DELETE', `/conversations/${labelled}/labels/vip`);
      expect(removed.json().labels).toEqual(['billing']);
      expect(await listIds(`inboxId=${inboxId}&label=vip`)).toEqual([]);
      expect(await listIds(`inboxId=${inboxId}&label=billing`)).toEqual([labelled]);
    });

    it('lets two operators add the same label at the same moment', async () => {
      const { channel } = await testInbox();
      const id = await customerWrites(channel, 'labels-race');
      const responses = await Promise.all([1, 2, 3].map(() => call(admin, 'POST', `/conversations/${id}/labels`, { labels: ['urgent'] })));
      expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      expect((await conversation(id)).labels).toEqual(['urgent']);
    });
  });

  describe('replies and notes', () => {
    it('shows the customer message and the reply in order, and the worker sends the reply on the channel', async () => {
      const { channel } = await testInbox();
      const id = await customerWrites(channel, 'reply-customer', 'Where is my order?');
      const reply = await call(admin, 'POST', `/conversations/${id}/messages`, { text: 'It ships today' });
      expect(reply.statusCode).toBe(201);
      expect(reply.json()).toMatchObject({ status: 'queued', direction: 'out', authorType: 'operator', operatorId: admin.operatorId, private: false });

      const sent = await eventually(async () => (await messages(id)).find((m: { status: string }) => m.status === 'sent'));
      expect(channel.sent).toHaveLength(1);
      expect(channel.sent[0]).toMatchObject({ to: { externalUserId: 'reply-customer' }, message: { text: 'It ships today' }, externalId: sent.externalId });
      expect((await messages(id)).map((m: { text: string; direction: string }) => [m.direction, m.text])).toEqual([['in', 'Where is my order?'], ['out', 'It ships today']]);
      expect((await conversation(id)).lastMessagePreview).toBe('It ships today');
    });

    it('stores a private note, pushes it to operators, and never sends it to the customer', async () => {
      const { channel } = await testInbox();
      const id = await customerWrites(channel, 'note-customer');
      const socket = await server.socket(admin);
      const pushed = nextEvent(socket, 'message.created', (e: { message: { conversationId: number; private: boolean } }) => e.message.conversationId === id && e.message.private);

      const note = await call(admin, 'POST', `/conversations/${id}/messages`, { text: 'Customer is a reseller', private: true });
      expect(note.statusCode).toBe(201);
      expect(note.json()).toMatchObject({ private: true, status: 'note', text: 'Customer is a reseller' });
      expect((await pushed).message).toMatchObject({ id: note.json().id, text: 'Customer is a reseller' });

      // A reply sent after the note proves the worker ran; only the reply reached the channel.
      await call(admin, 'POST', `/conversations/${id}/messages`, { text: 'Visible reply' });
      await eventually(async () => (await messages(id)).some((m: { status: string }) => m.status === 'sent'));
      expect(channel.sent.map((s) => s.message.text)).toEqual(['Visible reply']);
      expect((await messages(id)).find((m: { id: number }) => m.id === note.json().id)).toMatchObject({ status: 'note', private: true });
    });

    it('uses a canned response as the reply text', async () => {
      const { channel } = await testInbox();
      const id = await customerWrites(channel, 'canned-customer');
      const canned = (await call(admin, 'POST', '/canned-responses', { shortCode: `thanks${randomBytes(3).toString('hex')}`, content: 'Thank you for writing to us!' })).json();

      const reply = await call(admin, 'POST', `/conversations/${id}/messages`, { cannedResponseId: canned.id });
      expect(reply.statusCode).toBe(201);
      expect(reply.json().text).toBe('Thank you for writing to us!');
      await eventually(async () => channel.sent.length === 1);
      expect(channel.sent[0]!.message.text).toBe('Thank you for writing to us!');

      const unknown = await call(admin, 'POST', `/conversations/${id}/messages`, { cannedResponseId: 999_999 });
      expect(unknown.statusCode).toBe(404);
    });

    it('refuses an empty reply', async () => {
      const { channel } = await testInbox();
      const id = await customerWrites(channel, 'empty-reply');
      const response = await call(admin, 'POST', `/conversations/${id}/messages`, { text: '   ' });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('BAD_REQUEST');
    });
  });

  describe('assignment', () => {
    it('assigns an operator who is a member of the inbox, and refuses one who is not', async () => {
      const member = await server.operator('operator');
      const outsider = await server.operator('operator');
      const marketer = await server.operator('marketer');
      const { channel } = await testInbox({ memberIds: [member.operatorId] });
      const id = await customerWrites(channel, 'assign-customer');

      const assigned = await call(admin, 'PATCH', `/conversations/${id}`, { assigneeId: member.operatorId });
      expect(assigned.statusCode).toBe(200);
      expect(assigned.json().assigneeId).toBe(member.operatorId);

      for (const who of [outsider, marketer]) {
        const refused = await call(admin, 'PATCH', `/conversations/${id}`, { assigneeId: who.operatorId });
        expect(refused.statusCode).toBe(400);
        expect(refused.json().error.code).toBe('BAD_REQUEST');
      }
      expect((await conversation(id)).assigneeId).toBe(member.operatorId);
      expect((await call(admin, 'PATCH', `/conversations/${id}`, { assigneeId: null })).json().assigneeId).toBeNull();
    });

    it('hides a conversation in an inbox the operator is not a member of', async () => {
      const outsider = await server.operator('operator');
      const { channel } = await testInbox();
      const id = await customerWrites(channel, 'hidden-customer');
      expect((await call(outsider, 'GET', `/conversations/${id}`)).statusCode).toBe(404);
      expect((await call(outsider, 'POST', `/conversations/${id}/messages`, { text: 'sneaky' })).statusCode).toBe(404);
      expect(await listIds('limit=200', outsider)).not.toContain(id);
    });
  });

  describe('status', () => {
    it('changes status between open, pending and resolved', async () => {
      const { channel } = await testInbox();
      const id = await customerWrites(channel, 'status-change');
      for (const status of ['pending', 'resolved', 'open']) {
        const response = await call(admin, 'PATCH', `/conversations/${id}`, { status });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({ status, snoozedUntil: null });
      }
    });

    it('snoozes only with a snoozedUntil in the future', async () => {
      const { channel } = await testInbox();
      const id = await customerWrites(channel, 'snooze-rules');
      const missing = await call(admin, 'PATCH', `/conversations/${id}`, { status: 'snoozed' });
      expect(missing.statusCode).toBe(400);
      const past = await call(admin, 'PATCH', `/conversations/${id}`, { status: 'snoozed', snoozedUntil: new Date(Date.now() - 60_000).toISOString() });
      expect(past.statusCode).toBe(400);
      expect((await conversation(id)).status).toBe('open');

      const until = new Date(Date.now() + 3_600_000).toISOString();
      const snoozed = await call(admin, 'PATCH', `/conversations/${id}`, { status: 'snoozed', snoozedUntil: until });
      expect(snoozed.statusCode).toBe(200);
      expect(snoozed.json()).toMatchObject({ status: 'snoozed', snoozedUntil: until });
    });

    it.each(['snoozed', 'resolved'] as const)('reopens a %s conversation when the customer writes again', async (status) => {
      const { channel } = await testInbox();
      const id = await customerWrites(channel, `reopen-${status}`);
      const change = status === 'snoozed' ? { status, snoozedUntil: new Date(Date.now() + 3_600_000).toISOString() } : { status };
      expect((await call(admin, 'PATCH', `/conversations/${id}`, change)).json().status).toBe(status);

      expect(await customerWrites(channel, `reopen-${status}`, 'are you there?')).toBe(id);
      expect(await conversation(id)).toMatchObject({ status: 'open', snoozedUntil: null });
    });

    it('reopens a conversation whose snooze ran out, and leaves one still snoozed', async () => {
      const { channel } = await testInbox();
      const due = await customerWrites(channel, 'wake-due');
      const later = await customerWrites(channel, 'wake-later');
      await call(admin, 'PATCH', `/conversations/${due}`, { status: 'snoozed', snoozedUntil: new Date(Date.now() + 3_600_000).toISOString() });
      await call(admin, 'PATCH', `/conversations/${later}`, { status: 'snoozed', snoozedUntil: new Date(Date.now() + 5 * 3_600_000).toISOString() });

      // As if two hours had passed.
      const woken = await server.services.conversations.wakeSnoozed(new Date(Date.now() + 2 * 3_600_000));
      expect(woken).toBeGreaterThanOrEqual(1);
      expect(await conversation(due)).toMatchObject({ status: 'open', snoozedUntil: null });
      expect((await conversation(later)).status).toBe('snoozed');
    });
  });

  it('answers an unknown conversation id with a 404 JSON error on every route', async () => {
    const requests: [Method, string, object?][] = [
      ['GET', '/conversations/999999'],
      ['GET', '/conversations/999999/messages'],
      ['PATCH', '/conversations/999999', { status: 'resolved' }],
      ['POST', '/conversations/999999/messages', { text: 'hello?' }],
      ['POST', '/conversations/999999/labels', { labels: ['x'] }],
      ['DELETE', '/conversations/999999/labels/x'],
      ['POST', '/conversations/999999/read'],
    ];
    for (const [method, url, payload] of requests) {
      const response = await call(admin, method, url, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().error).toEqual({ code: 'NOT_FOUND', message: expect.any(String) });
    }
  });
});
