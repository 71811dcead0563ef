import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAdapter } from '../../../channels/test/test.adapter.ts';
import type { IngestResult } from '../../../src/inbox/ingest.service.ts';
import { nextEvent, TestServer, type Session } from '../../helpers/test-server.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe('the label catalogue API', () => {
  let server: TestServer;
  let admin: Session;
  let operator: Session;
  let marketer: Session;
  let channel: TestAdapter;

  beforeAll(async () => {
    server = await TestServer.start({ workers: false });
    admin = await server.login();
    operator = await server.operator('operator');
    marketer = await server.operator('marketer');
    channel = await server.testChannel((await server.inbox('test')).id);
  });
  afterAll(() => server.close());

  const call = (session: Session | null, method: Method, url: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: session?.headers ?? {}, payload });
  const conversation = async () =>
    ((await channel.receive({ externalMessageId: `in-${randomBytes(6).toString('hex')}`, sender: { externalUserId: `u-${randomBytes(4).toString('hex')}` }, text: 'hi' })) as IngestResult).conversationId;
  const labelsOn = async (id: number) => (await call(admin, 'GET', `/conversations/${id}`)).json().labels;
  const label = async (name: string, color = '#3366FF', description?: string) => {
    const response = await call(admin, 'POST', '/labels', { name, color, ...(description ? { description } : {}) });
    expect(response.statusCode).toBe(201);
    return response.json() as { id: number; name: string; color: string; description: string | null };
  };

  it('lets admins create labels that operators list by name, colours lower-cased', async () => {
    const vip = await label('vip', '#FFAA00', 'Customers who spend a lot');
    expect(vip).toMatchObject({ name: 'vip', color: '#ffaa00', description: 'Customers who spend a lot' });
    await label('billing');
    const listed = await call(operator, 'GET', '/labels');
    expect(listed.statusCode).toBe(200);
    const names = listed.json().map((l: { name: string }) => l.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['billing', 'vip']));
  });

  it('refuses a second label with the same name with a 409', async () => {
    await label('duplicate-me');
    const again = await call(admin, 'POST', '/labels', { name: 'duplicate-me', color: '#000000' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('duplicate-me') });
  });

  it('validates the body: a colour must be #rrggbb, a name is required and short, unknown fields are refused', async () => {
    for (const payload of [{ name: 'x', color: 'red' }, { name: 'x', color: '#12345' }, { color: '#123456' }, { name: '', color: '#123456' }, { name: 'y'.repeat(65), color: '#123456' }, { name: 'x', color: '#123456', extra: 1 }]) {
      const response = await call(admin, 'POST', '/labels', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'VALIDATION', message: expect.any(String) });
    }
    expect((await call(admin, 'PATCH', '/labels/999999', { color: '#123456' })).statusCode).toBe(404);
    expect((await call(admin, 'DELETE', '/labels/999999')).statusCode).toBe(404);
  });

  it('lets only admins change the catalogue; operators may read it; marketers and strangers may not', async () => {
    const target = await label(`guarded-${randomBytes(3).toString('hex')}`);
    for (const [session, status] of [[operator, 403], [marketer, 403], [null, 401]] as const) {
      expect((await call(session, 'POST', '/labels', { name: 'nope', color: '#123456' })).statusCode).toBe(status);
      expect((await call(session, 'PATCH', `/labels/${target.id}`, { color: '#000000' })).statusCode).toBe(status);
      expect((await call(session, 'DELETE', `/labels/${target.id}`)).statusCode).toBe(status);
    }
    expect((await call(marketer, 'GET', '/labels')).statusCode).toBe(403);
    expect((await call(null, 'GET', '/labels')).statusCode).toBe(401);
    expect((await call(admin, 'GET', '/labels')).json().find((l: { id: number }) => l.id === target.id).color).toBe('#3366ff');
  });

  it('renames a label on every conversation carrying it, in one go, and tells operators live', async () => {
    const old = await label('refund');
    const [a, b, c] = [await conversation(), await conversation(), await conversation()];
    await call(admin, 'POST', `/conversations/${a}/labels`, { labels: ['refund', 'vip'] });
    // b carries both the old and the new name: it must end up with the new one once, not fail the rename.
    await call(admin, 'POST', `/conversations/${b}/labels`, { labels: ['refund', 'refunds'] });
    const socket = await server.socket(admin);
    const announced = nextEvent(socket, 'conversation.updated', (e) => e.conversation?.id === a || e.payload?.conversation?.id === a);

    const renamed = await call(admin, 'PATCH', `/labels/${old.id}`, { name: 'refunds', color: '#00AA55', description: 'Money back' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ id: old.id, name: 'refunds', color: '#00aa55', description: 'Money back' });
    expect(await labelsOn(a)).toEqual(['refunds', 'vip']);
    expect(await labelsOn(b)).toEqual(['refunds']);
    expect(await labelsOn(c)).toEqual([]);
    await announced;
  });

  it('refuses to rename a label onto another catalogue label with a 409, changing nothing', async () => {
    const left = await label('left-one');
    await label('right-one');
    const id = await conversation();
    await call(admin, 'POST', `/conversations/${id}/labels`, { labels: ['left-one'] });
    const response = await call(admin, 'PATCH', `/labels/${left.id}`, { name: 'right-one' });
    expect(response.statusCode).toBe(409);
    expect(await labelsOn(id)).toEqual(['left-one']);
  });

  it('deletes a label from the catalogue and from every conversation, leaving the others', async () => {
    const doomed = await label('spam');
    const id = await conversation();
    await call(admin, 'POST', `/conversations/${id}/labels`, { labels: ['spam', 'keep-me'] });
    expect((await call(admin, 'DELETE', `/labels/${doomed.id}`)).statusCode).toBe(204);
    expect(await labelsOn(id)).toEqual(['keep-me']);
    expect((await call(admin, 'GET', '/labels')).json().map((l: { name: string }) => l.name)).not.toContain('spam');
  });
});
