import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedInbound } from '../../channels/channel-adapter.ts';
import { toPublished, type PublishedEvent } from '../../src/inbox/events.ts';
import type { IngestResult } from '../../src/inbox/ingest.service.ts';
import { InboxEvent } from '../../src/store/entities/index.ts';
import { TestServer, type Session } from '../helpers/test-server.ts';

/**
 * Group commit: messages handed to ingest at the same moment are stored in one batch (on PostgreSQL in two
 * plain statements, on SQLite through the query builder). Each test hands its messages over together, so they
 * share a batch, and checks what operators and callers see, and that the batch did not fall back to one by one.
 */
describe('ingest in batches', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await TestServer.start({ workers: false });
    admin = await server.login();
  });
  afterAll(() => server.close());

  const get = async (url: string) => {
    const response = await server.app.inject({ url: `/api/v1${url}`, headers: admin.headers });
    expect(response.statusCode, url).toBe(200);
    return response.json();
  };
  const patch = (url: string, payload: Record<string, unknown>) => server.app.inject({ method: 'PATCH', url: `/api/v1${url}`, headers: admin.headers, payload });
  const inbound = (inboxId: number, externalMessageId: string, sender: NormalizedInbound['sender'], text = `text of ${externalMessageId}`): NormalizedInbound =>
    ({ inboxId, externalMessageId, sender, text, attachments: [], sentAt: new Date('2026-01-02T03:04:05.678Z') });
  /** Hands all messages over at once (one batch) and returns every caller's outcome and the events published. */
  async function together(messages: NormalizedInbound[]) {
    const events: PublishedEvent[] = [];
    const stop = server.services.events.subscribe((event) => events.push(event));
    const fallbacks = server.services.ingest.fallbacks;
    try {
      const outcomes = await Promise.allSettled(messages.map((m) => server.services.ingest.message(m)));
      return { outcomes, events, fellBack: server.services.ingest.fallbacks - fallbacks };
    } finally {
      stop();
    }
  }
  const value = (outcome: PromiseSettledResult<IngestResult> | undefined) => (outcome as PromiseFulfilledResult<IngestResult>).value;

  it('stores new and known senders together: known ones join their card and conversation, new ones get one card each', async () => {
    const inbox = await server.inbox('api');
    const other = await server.inbox('api');
    // Known before the batch: Ada on this inbox (her conversation resolved), and Bob's phone on a card from another inbox.
    const ada = await server.services.ingest.message(inbound(inbox.id, 'ada-0', { externalUserId: 'ada' }));
    expect((await patch(`/conversations/${ada.conversationId}`, { status: 'resolved' })).statusCode).toBe(200);
    const bob = await server.services.ingest.message(inbound(other.id, 'bob-0', { externalUserId: 'bob-elsewhere', phone: '+44 20 7946 0111', name: 'Bob' }));

    const { outcomes, events, fellBack } = await together([
      inbound(inbox.id, 'ada-1', { externalUserId: 'ada', name: 'Ada' }),
      inbound(inbox.id, 'bob-1', { externalUserId: 'bob', phone: '+442079460111' }),
      inbound(inbox.id, 'cat-1', { externalUserId: 'cat', name: 'Cat' }),
      inbound(inbox.id, 'ada-2', { externalUserId: 'ada' }),
      inbound(inbox.id, 'cat-2', { externalUserId: 'cat' }),
      inbound(inbox.id, 'dan-1', { externalUserId: 'dan', email: 'Dan@Example.com' }),
    ]);
    expect(fellBack).toBe(0);
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('fulfilled'));
    const [ada1, bob1, cat1, ada2, cat2, dan1] = outcomes.map(value);

    expect([ada1, ada2].map((r) => [r!.contactId, r!.conversationId])).toEqual([[ada.contactId, ada.conversationId], [ada.contactId, ada.conversationId]]);
    expect(bob1!.contactId).toBe(bob.contactId);
    expect(bob1!.conversationId).not.toBe(bob.conversationId);
    expect(cat2).toMatchObject({ contactId: cat1!.contactId, conversationId: cat1!.conversationId, duplicate: false });
    expect(new Set([ada.contactId, bob.contactId, cat1!.contactId, dan1!.contactId]).size).toBe(4);

    // Ada's conversation reopened with two more unread; Cat's is new with two; each message stored once, in order.
    expect(await get(`/conversations/${ada.conversationId}`)).toMatchObject({ status: 'open', unreadCount: 3, lastMessagePreview: 'text of ada-2' });
    expect(await get(`/conversations/${cat1!.conversationId}`)).toMatchObject({ status: 'open', unreadCount: 2, contactId: cat1!.contactId });
    expect((await get(`/conversations/${cat1!.conversationId}/messages`)).items.map((m: { externalId: string }) => m.externalId)).toEqual(['cat-1', 'cat-2']);
    // A known card without a name takes the one the sender brings; Dan's email is stored normalised.
    expect((await get(`/contacts/${ada.contactId}`)).name).toBe('Ada');
    expect((await get(`/contacts/${cat1!.contactId}`)).name).toBe('Cat');
    expect((await get(`/contacts/${dan1!.contactId}`)).identities).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'email', value: 'dan@example.com' })]));

    // Operators are told once per conversation and once per message, with ids that only grow.
    expect(events.map((e) => e.type).sort()).toEqual([...Array(3).fill('conversation.created'), 'conversation.updated', ...Array(6).fill('message.created')].sort());
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    const updated = events.find((e) => e.type === 'conversation.updated')!.payload.conversation;
    expect(updated).toMatchObject({ id: ada.conversationId, status: 'open', unreadCount: 3, lastMessagePreview: 'text of ada-2' });
    const created = events.filter((e) => e.type === 'message.created').map((e) => (e.payload.message as { id: number }).id);
    expect(created).toEqual(outcomes.map((o) => value(o)!.message.id));
    // The event log holds the same events, for an operator who reconnects.
    const logged = await server.runtime.orm.em.fork().find(InboxEvent, { id: { $in: events.map((e) => e.id) } }, { orderBy: { id: 'asc' } });
    expect(logged.map(toPublished)).toEqual(events);
  });

  it('stores a message sent three times at once, and a replay of a stored one, once; every caller succeeds', async () => {
    const inbox = await server.inbox('api');
    const stored = await server.services.ingest.message(inbound(inbox.id, 'old', { externalUserId: 'eve' }));
    // Edited since: a replay answers with the message as it is now.
    await server.services.ingest.edit({ inboxId: inbox.id, externalMessageId: 'old', text: 'edited text', editedAt: new Date('2026-01-03T00:00:00.000Z') });
    const [now] = (await get(`/conversations/${stored.conversationId}/messages`)).items;
    expect(now).toMatchObject({ text: 'edited text', editedAt: '2026-01-03T00:00:00.000Z' });
    const copy = inbound(inbox.id, 'same', { externalUserId: 'eve' });
    const { outcomes, fellBack } = await together([copy, { ...copy }, inbound(inbox.id, 'old', { externalUserId: 'eve' }), { ...copy }]);
    expect(fellBack).toBe(0);
    const results = outcomes.map(value);
    expect(results.map((r) => r!.duplicate)).toEqual([false, true, true, true]);
    expect(new Set([results[0], results[1], results[3]].map((r) => r!.message.id)).size).toBe(1);
    expect(results[2]!.message).toEqual(now);
    expect(results[2]!.contactId).toBe(stored.contactId);
    expect(results.map((r) => r!.conversationId)).toEqual(Array(4).fill(stored.conversationId));
    expect((await get(`/conversations/${stored.conversationId}/messages`)).items).toHaveLength(2);
    expect((await get(`/conversations/${stored.conversationId}`)).unreadCount).toBe(2);
  });

  it('keeps text, html, attachments and metadata exactly as sent, quotes and backslashes included', async () => {
    const inbox = await server.inbox('api');
    const text = `it's "quoted" \\ back\\slash ? $1 :name 😀 ünïcode\nnew line`;
    const message = { ...inbound(inbox.id, 'odd-1', { externalUserId: `odd'user?` }, text), html: '<p>it\'s <b>bold</b></p>', attachments: [{ url: 'https://example.com/a?b=1', name: "o'file.pdf", size: 12 }], meta: { subject: 'Re: "x"', nested: { a: [1, null] } } };
    const { outcomes, fellBack } = await together([message, inbound(inbox.id, 'odd-2', { externalUserId: 'plain' })]);
    expect(fellBack).toBe(0);
    const result = value(outcomes[0])!;
    const [stored] = (await get(`/conversations/${result.conversationId}/messages`)).items;
    expect(stored).toMatchObject({ text, html: '<p>it\'s <b>bold</b></p>', attachments: [{ url: 'https://example.com/a?b=1', name: "o'file.pdf", size: 12 }], meta: message.meta, sentAt: '2026-01-02T03:04:05.678Z' });
    expect(result.message).toEqual(stored);
  });

  it('stores the good messages of a batch one by one when one of them cannot be stored, and refuses only that one', async () => {
    const inbox = await server.inbox('api');
    const broken = inbound(inbox.id, 'bad', {} as NormalizedInbound['sender']);
    const { outcomes, fellBack } = await together([inbound(inbox.id, 'good-1', { externalUserId: 'g1' }), broken, inbound(inbox.id, 'good-2', { externalUserId: 'g2' })]);
    expect(fellBack).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await get(`/conversations?inboxId=${inbox.id}`)).items).toHaveLength(2);
  });
});
