import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOperatorApp } from '../../helpers/operator-app.ts';
import { TestServer, type Session } from '../../helpers/test-server.ts';

describe('what the operator web app needs from the server', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    await ensureOperatorApp();
    server = await TestServer.start({ workers: false });
    admin = await server.login();
  }, 60_000);
  afterAll(() => server.close());

  it('serves the built app at / (index never cached, hashed assets cached for good)', async () => {
    const page = await server.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-cache');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const asset = await server.app.inject({ method: 'GET', url: script! });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    // Unknown paths still answer the API's JSON 404, not the app.
    const missing = await server.app.inject({ method: 'GET', url: '/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });

  it('lists conversations with who wrote them, so the list needs no request per row', async () => {
    const inbox = await server.inbox('test');
    const channel = await server.testChannel(inbox.id);
    await channel.receive({ externalMessageId: 'm-1', externalThreadId: 't-1', sender: { externalUserId: 'u-1', name: 'Ada Lovelace' }, text: 'hi' });
    const list = (await server.app.inject({ method: 'GET', url: '/api/v1/conversations', headers: admin.headers })).json();
    expect(list.items[0].contact).toEqual({ id: list.items[0].contactId, name: 'Ada Lovelace', avatarUrl: null });
  });

  it('tells admins which channel kinds a new inbox may have, and nobody else', async () => {
    const kinds = await server.app.inject({ method: 'GET', url: '/api/v1/inboxes/kinds', headers: admin.headers });
    expect(kinds.statusCode).toBe(200);
    expect(kinds.json().kinds).toEqual(expect.arrayContaining(['api', 'email']));
    expect(kinds.json().kinds).not.toContain('test');
    const operator = await server.operator('operator');
    expect((await server.app.inject({ method: 'GET', url: '/api/v1/inboxes/kinds', headers: operator.headers })).statusCode).toBe(403);
  });
});
