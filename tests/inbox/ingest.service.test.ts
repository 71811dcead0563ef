import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAdapter } from '../../channels/test/test.adapter.ts';
import type { IngestResult } from '../../src/inbox/ingest.service.ts';
import { eventually, TestServer, type Session } from '../helpers/test-server.ts';

interface MessageView {
  id: number;
  direction: string;
  text: string | null;
  html: string | null;
  status: string;
  externalId: string | null;
}

describe('ingest', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await TestServer.start();
    admin = await server.login();
  });
  afterAll(() => server.close());

  const get = async (url: string) => {
    const response = await server.app.inject({ url: `/api/v1${url}`, headers: admin.headers });
    expect(response.statusCode, url).toBe(200);
    return response.json();
  };
  const messages = async (conversationId: number): Promise<MessageView[]> => (await get(`/conversations/${conversationId}/messages`)).items;

  async function testInbox(): Promise<TestAdapter> {
    return server.testChannel((await server.inbox('test')).id);
  }
  const uniqueId = () => randomBytes(6).toString('hex');

  describe('one client card per customer', () => {
    it('puts a customer who writes from two inboxes with one phone, formatted differently, on one card', async () => {
      const whatsapp = await testInbox();
      const telegram = await testInbox();
      const first = (await whatsapp.receive({ externalMessageId: uniqueId(), sender: { externalUserId: 'wa-user', name: 'Alan', phone: '+44 20 7946 0958' }, text: 'hi from one' })) as IngestResult;
      const second = (await telegram.receive({ externalMessageId: uniqueId(), sender: { externalUserId: 'tg-user', phone: '+442079460958' }, text: 'hi from two' })) as IngestResult;

      expect(second.contactId).toBe(first.contactId);
      expect(second.conversationId).not.toBe(first.conversationId);
      const card = await get(`/contacts/${first.contactId}`);
      expect(card.name).toBe('Alan');
      expect(card.identities.filter((i: { kind: string }) => i.kind === 'phone')).toEqual([expect.objectContaining({ value: '+442079460958' })]);
      const conversations = (await get(`/contacts/${first.contactId}/conversations`)).items.map((c: { id: number }) => c.id);
      expect(conversations.sort()).toEqual([first.conversationId, second.conversationId].sort());
    });

    it('puts a customer who writes from two inboxes with one email, in different case, on one card', async () => {
      const mail = await testInbox();
      const chat = await testInbox();
      const first = (await mail.receive({ externalMessageId: uniqueId(), sender: { externalUserId: 'mail-user', email: 'Grace.Hopper@Example.com' }, text: 'by mail' })) as IngestResult;
      const second = (await chat.receive({ externalMessageId: uniqueId(), sender: { externalUserId: 'chat-user', email: ' grace.hopper@EXAMPLE.COM ' }, text: 'by chat' })) as IngestResult;

      expect(second.contactId).toBe(first.contactId);
      const card = await get(`/contacts/${first.contactId}`);
      expect(card.identities.filter((i: { kind: string }) => i.kind === 'email')).toEqual([expect.objectContaining({ value: 'grace.hopper@example.com' })]);
      expect((await get(`/contacts/${first.contactId}/conversations`)).items).toHaveLength(2);
    });

    it('makes one card when a new customer writes from two inboxes at the same moment', async () => {
      const [one, two] = await Promise.all([testInbox(), testInbox()]);
      const sender = { phone: '+1 415 555 0100' };
      const results = (await Promise.all([
        one.receive({ externalMessageId: uniqueId(), sender: { externalUserId: 'race-1', ...sender }, text: 'first' }),
        two.receive({ externalMessageId: uniqueId(), sender: { externalUserId: 'race-2', ...sender }, text: 'second' }),
      ])) as IngestResult[];
      expect(results[1]!.contactId).toBe(results[0]!.contactId);
      expect((await get(`/contacts/${results[0]!.contactId}/conversations`)).items).toHaveLength(2);
    });

    it('keeps two different customers on two cards', async () => {
      const channel = await testInbox();
      const one = (await channel.receive({ externalMessageId: uniqueId(), sender: { externalUserId: 'a', email: 'one@example.com' }, text: 'x' })) as IngestResult;
      const two = (await channel.receive({ externalMessageId: uniqueId(), sender: { externalUserId: 'b', email: 'two@example.com' }, text: 'y' })) as IngestResult;
      expect(two.contactId).not.toBe(one.contactId);
    });
  });

  it('stores a replayed message once and counts it as unread once', async () => {
    const channel = await testInbox();
    const event = { externalMessageId: 'replayed-1', sender: { externalUserId: 'replayer' }, text: 'only once please' };
    const first = (await channel.receive(event)) as IngestResult;
    const again = (await channel.receive(event)) as IngestResult;

    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, conversationId: first.conversationId, contactId: first.contactId, message: { id: first.message.id } });
    expect(await messages(first.conversationId)).toHaveLength(1);
    expect((await get(`/conversations/${first.conversationId}`)).unreadCount).toBe(1);
  });

  it('removes scripts and event handlers from customer html and keeps the text', async () => {
    const channel = await testInbox();
    const html = '<p onclick="steal()">Hello <b>there</b></p><script>alert(1)</script><a href="javascript:alert(2)">link</a><img src="x" onerror="alert(3)">';
    const result = (await channel.receive({ externalMessageId: uniqueId(), sender: { externalUserId: 'html-user' }, text: 'Hello there', html })) as IngestResult;

    const [stored] = await messages(result.conversationId);
    expect(stored!.html).toContain('Hello <b>there</b>');
    expect(stored!.html).not.toMatch(/<script|alert\(1\)|onclick|onerror|javascript:/i);
  });

  describe('delivery statuses', () => {
    /** A reply the worker has sent, so the channel gave it an external id. */
    async function sentReply(channel: TestAdapter) {
      const inbound = (await channel.receive({ externalMessageId: uniqueId(), sender: { externalUserId: `status-${uniqueId()}` }, text: 'question' })) as IngestResult;
      const reply = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${inbound.conversationId}/messages`, headers: admin.headers, payload: { text: 'answer' } });
      expect(reply.statusCode).toBe(201);
      const sent = await eventually(async () => (await messages(inbound.conversationId)).find((m) => m.id === reply.json().id && m.status === 'sent'));
      return { conversationId: inbound.conversationId, id: sent.id, externalId: sent.externalId! };
    }
    const statusOf = async (conversationId: number, id: number) => (await messages(conversationId)).find((m) => m.id === id)!.status;

    it('moves forward and never back, even when reports arrive out of order', async () => {
      const channel = await testInbox();
      const reply = await sentReply(channel);

      expect(await channel.report(reply.externalId, 'read')).toEqual({ updated: true });
      expect(await statusOf(reply.conversationId, reply.id)).toBe('read');
      expect(await channel.report(reply.externalId, 'delivered')).toEqual({ updated: false });
      expect(await channel.report(reply.externalId, 'failed', 'late failure')).toEqual({ updated: false });
      expect(await statusOf(reply.conversationId, reply.id)).toBe('read');
    });

    it('applies delivered and then read in the usual order', async () => {
      const channel = await testInbox();
      const reply = await sentReply(channel);
      await channel.report(reply.externalId, 'delivered');
      expect(await statusOf(reply.conversationId, reply.id)).toBe('delivered');
      await channel.report(reply.externalId, 'read');
      expect(await statusOf(reply.conversationId, reply.id)).toBe('read');
    });

    it('changes nothing for an external id it does not know, including one from another inbox', async () => {
      const channel = await testInbox();
      const other = await testInbox();
      const reply = await sentReply(channel);

      expect(await channel.report('no-such-message', 'read')).toEqual({ updated: false });
      expect(await other.report(reply.externalId, 'read')).toEqual({ updated: false });
      expect(await statusOf(reply.conversationId, reply.id)).toBe('sent');
    });
  });
});
