import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAdapter } from '../../../channels/test/test.adapter.ts';
import type { IngestResult } from '../../../src/inbox/ingest.service.ts';
import { TestServer, type Session } from '../../helpers/test-server.ts';

describe('searching the conversation list (q)', () => {
  let server: TestServer;
  let admin: Session;
  let inboxId: number;
  let channel: TestAdapter;
  const ids: Record<string, number> = {};

  const writes = async (sender: { externalUserId: string; name?: string; phone?: string; email?: string }, text: string) =>
    ((await channel.receive({ externalMessageId: `in-${randomBytes(6).toString('hex')}`, sender, text })) as IngestResult).conversationId;

  beforeAll(async () => {
    server = await TestServer.start({ workers: false });
    admin = await server.login();
    inboxId = (await server.inbox('test')).id;
    channel = await server.testChannel(inboxId);
    ids.ada = await writes({ externalUserId: 'u-ada', name: 'Ada Lovelace', email: 'Ada@Engines.example' }, 'Hello there');
    ids.grace = await writes({ externalUserId: 'u-grace', name: 'Grace Hopper', phone: '+44 20 7946 0018' }, 'My invoice is wrong');
    ids.alan = await writes({ externalUserId: 'u-alan', name: 'Alan Turing' }, 'Where is my PARCEL?');
    await writes({ externalUserId: 'u-alan' }, 'It was due on Monday');
    for (let i = 0; i < 5; i++) ids[`bulk${i}`] = await writes({ externalUserId: `u-bulk-${i}`, name: `Bulk Customer ${i}` }, `order number ${i}`);
  });
  afterAll(() => server.close());

  const search = async (params: Record<string, string>, session = admin) => {
    const response = await server.app.inject({ method: 'GET', url: `/api/v1/conversations?${new URLSearchParams({ inboxId: String(inboxId), ...params })}`, headers: session.headers });
    expect(response.statusCode).toBe(200);
    return response.json() as { items: { id: number; contact: { name: string } }[]; nextCursor: string | null };
  };
  const found = async (q: string) => (await search({ q })).items.map((c) => c.id);

  it('finds a conversation by any part of the contact name, in any case', async () => {
    expect(await found('lovelace')).toEqual([ids.ada]);
    expect(await found('GRACE')).toEqual([ids.grace]);
  });

  it('finds a conversation by the contact email or phone, however the phone is typed', async () => {
    expect(await found('engines.example')).toEqual([ids.ada]);
    expect(await found('ada@ENGINES')).toEqual([ids.ada]);
    expect(await found('7946 0018')).toEqual([ids.grace]);
    expect(await found('+442079460018')).toEqual([ids.grace]);
  });

  it('finds a conversation by the text of any of its messages, once, even when several match', async () => {
    expect(await found('parcel')).toEqual([ids.alan]);
    expect(await found('monday')).toEqual([ids.alan]);
    // Both of Alan's messages contain "a": the conversation is still listed once.
    const many = await found('a');
    expect(new Set(many).size).toBe(many.length);
  });

  it('finds nothing for text nobody wrote, and treats % as plain text rather than a wildcard', async () => {
    expect(await found('zebra crossing')).toEqual([]);
    expect(await found('%')).toEqual(expect.arrayContaining([ids.ada]));
    expect(await found('%zebra%')).toEqual([]);
  });

  it('combines with the other filters', async () => {
    await server.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${ids.bulk1}`, headers: admin.headers, payload: { status: 'resolved' } });
    const open = (await search({ q: 'bulk customer', status: 'open' })).items.map((c) => c.id);
    expect(open).toEqual([ids.bulk4, ids.bulk3, ids.bulk2, ids.bulk0]);
    expect((await search({ q: 'bulk customer', status: 'resolved' })).items.map((c) => c.id)).toEqual([ids.bulk1]);
  });

  it('pages through the matches by cursor with no repeats and no gaps', async () => {
    const walked: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body = await search({ q: 'order number', limit: '2', ...(cursor ? { cursor } : {}) });
      walked.push(...body.items.map((c) => c.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(walked).toEqual([4, 3, 2, 1, 0].map((i) => ids[`bulk${i}`]));
  });

  it('only searches conversations in inboxes the operator may see', async () => {
    const operator = await server.operator('operator');
    const response = await server.app.inject({ method: 'GET', url: '/api/v1/conversations?q=lovelace', headers: operator.headers });
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toEqual([]);
  });

  it('rejects an over-long search with a 400 JSON error', async () => {
    const response = await server.app.inject({ method: 'GET', url: `/api/v1/conversations?q=${'x'.repeat(201)}`, headers: admin.headers });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });
});
