import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Operator } from '../../src/store/entities/index.ts';
import { ADMIN, TestServer, type Session } from '../helpers/test-server.ts';

/** Every failure has one shape: a JSON `{ error: { code, message } }` with a status that matches the code. */
function expectError(response: LightMyRequestResponse, status: number, code: string): string {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json();
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}

describe('bad input and the service endpoints', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await TestServer.start({ workers: false, config: { BODY_LIMIT_BYTES: 2048, LOGIN_RATE_LIMIT_PER_MINUTE: 3 } });
    admin = await server.login();
  });
  afterAll(() => server.close());

  const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, options: { payload?: string | object; contentType?: string } = {}) =>
    server.app.inject({ method, url, headers: { ...admin.headers, ...(options.contentType ? { 'content-type': options.contentType } : {}) }, payload: options.payload });
  const login = (email: string, password: string) => server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

  describe('bodies', () => {
    it('refuses a body over BODY_LIMIT_BYTES with 413', async () => {
      const response = await send('POST', '/api/v1/contacts', { payload: { name: 'x', customFields: { blob: 'y'.repeat(4000) } } });
      expectError(response, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('refuses malformed or empty JSON with 400', async () => {
      expectError(await send('POST', '/api/v1/contacts', { payload: '{"name": "Ada",', contentType: 'application/json' }), 400, 'VALIDATION');
      expectError(await send('POST', '/api/v1/contacts', { payload: '', contentType: 'application/json' }), 400, 'VALIDATION');
    });

    it('refuses a body that is not JSON with 415', async () => {
      expectError(await send('POST', '/api/v1/contacts', { payload: '<contact><name>Ada</name></contact>', contentType: 'application/xml' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectError(await send('POST', '/api/v1/contacts', { payload: 'name=Ada', contentType: 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectError(await send('POST', '/api/v1/contacts', { payload: '{"name":"Ada"}', contentType: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses unknown fields, naming them, wherever they are', async () => {
      expect(expectError(await send('POST', '/api/v1/contacts', { payload: { name: 'Ada', colour: 'red' } }), 400, 'VALIDATION')).toContain('colour');
      expect(expectError(await send('POST', '/api/v1/contacts', { payload: { identities: [{ kind: 'email', value: 'a@b.co', primary: true }] } }), 400, 'VALIDATION')).toContain('primary');
      expect(expectError(await send('GET', '/api/v1/contacts?colour=red'), 400, 'VALIDATION')).toContain('colour');
      expect(expectError(await send('PATCH', '/api/v1/operators/1', { payload: { nickname: 'boss' } }), 400, 'VALIDATION')).toContain('nickname');
    });

    it('refuses values of the wrong type instead of coercing them', async () => {
      expect(expectError(await send('POST', '/api/v1/contacts', { payload: { name: 42 } }), 400, 'VALIDATION')).toContain('/name');
      expectError(await send('POST', '/api/v1/contacts', { payload: { tags: 'vip' } }), 400, 'VALIDATION');
      expectError(await send('POST', '/api/v1/contacts', { payload: { birthday: 'last tuesday' } }), 400, 'VALIDATION');
      expectError(await send('PATCH', '/api/v1/operators/1', { payload: { active: 'false' } }), 400, 'VALIDATION');
      expectError(await send('POST', '/api/v1/contacts', { payload: [{ name: 'Ada' }] }), 400, 'VALIDATION');
    });

    it('refuses bad path and query values', async () => {
      expectError(await send('GET', '/api/v1/contacts/abc'), 400, 'VALIDATION');
      expectError(await send('GET', '/api/v1/contacts/0'), 400, 'VALIDATION');
      expectError(await send('GET', '/api/v1/contacts?limit=lots'), 400, 'VALIDATION');
      expectError(await send('GET', '/api/v1/contacts?limit=100000'), 400, 'VALIDATION');
      expectError(await send('GET', '/api/v1/conversations?status=sleeping'), 400, 'VALIDATION');
    });

    it('refuses an operator email longer than the database can store with a 400, not a server error', async () => {
      const response = await send('POST', '/api/v1/operators', { payload: { email: `${'a'.repeat(250)}@crm.test`, name: 'Long', password: 'a-long-password', role: 'operator' } });
      expectError(response, 400, 'VALIDATION');
    });
  });

  it('refuses an API-channel sender id or email too long to store with a 400, not a server error', async () => {
    // Not server.inbox(): that logs in again, and this server allows only three logins a minute per account.
    const inbox = (await send('POST', '/api/v1/inboxes', { payload: { kind: 'api', name: 'long ids' } })).json();
    const post = (sender: object) =>
      server.app.inject({ method: 'POST', url: `/api/v1/channels/api/${inbox.id}/messages`, headers: { authorization: `Bearer ${inbox.secret}` }, payload: { externalMessageId: 'long-1', sender, text: 'hi' } });
    expectError(await post({ externalUserId: 'u'.repeat(255) }), 400, 'VALIDATION');
    expectError(await post({ externalUserId: 'u', email: `${'a'.repeat(250)}@example.com` }), 400, 'VALIDATION');
    expect((await post({ externalUserId: 'u'.repeat(240), email: `${'a'.repeat(60)}@example.com` })).statusCode).toBe(201);
  });

  it('answers an unknown route or method with a JSON 404', async () => {
    expect(expectError(await send('GET', '/api/v1/no-such-thing'), 404, 'NOT_FOUND')).toContain('/api/v1/no-such-thing');
    expectError(await send('GET', '/nowhere?x=1'), 404, 'NOT_FOUND');
    expectError(await send('DELETE', '/api/v1/operators'), 404, 'NOT_FOUND');
    expectError(await send('GET', '/api/v1/contacts/999999'), 404, 'NOT_FOUND');
  });

  it('answers a socket sync with a bad event id in the same error shape', async () => {
    const socket = await server.socket(admin);
    for (const since of [-1, 'yesterday', 1.5]) {
      expect(await socket.timeout(5000).emitWithAck('sync', { since })).toEqual({ error: { code: 'VALIDATION', message: expect.stringContaining('since') } });
    }
  });

  describe('logging in', () => {
    it('answers a wrong password and an unknown email alike with 401 INVALID_CREDENTIALS', async () => {
      const wrong = expectError(await login(ADMIN.email, 'not-the-password'), 401, 'INVALID_CREDENTIALS');
      const unknown = expectError(await login('nobody@crm.test', 'whatever-password'), 401, 'INVALID_CREDENTIALS');
      expect(unknown).toBe(wrong);
    });

    it('limits attempts per account: the fourth in a minute gets 429, while another account can still log in', async () => {
      const email = 'target@crm.test';
      for (let attempt = 1; attempt <= 3; attempt++) expectError(await login(email, `guess-${attempt}`), 401, 'INVALID_CREDENTIALS');
      expectError(await login(email, 'guess-4'), 429, 'RATE_LIMITED');
      expectError(await login(email.toUpperCase(), 'guess-5'), 429, 'RATE_LIMITED');
      expect((await login('someone-else@crm.test', 'a-guess')).statusCode).toBe(401);
    });

    it('stores passwords as argon2id hashes and never returns them', async () => {
      const created = await send('POST', '/api/v1/operators', { payload: { email: 'hashed@crm.test', name: 'Hashed', password: 'correct horse battery', role: 'operator' } });
      expect(created.statusCode).toBe(201);
      expect(created.body).not.toMatch(/argon2|correct horse/);
      const row = await server.runtime.orm.em.fork().findOneOrFail(Operator, { email: 'hashed@crm.test' });
      expect(row.passwordHash.startsWith('$argon2id$')).toBe(true);
      expect(row.passwordHash).not.toContain('correct horse');
      expect((await send('GET', '/api/v1/operators')).body).not.toContain('$argon2');
    });
  });

  describe('service endpoints', () => {
    it('says it is alive and ready, with the database and Redis checked', async () => {
      const health = await server.app.inject({ url: '/healthz' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ status: 'ok' });
      const ready = await server.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', database: 'ok', redis: 'ok' });
    });

    it('exposes Prometheus metrics including request durations by route', async () => {
      await server.app.inject({ url: '/healthz' });
      const metrics = await server.app.inject({ url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
      expect(metrics.body).toContain('# TYPE http_request_duration_seconds histogram');
      expect(metrics.body).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/healthz"[^}]*\} \d+/);
    });

    it('publishes an OpenAPI document of the API', async () => {
      const docs = await server.app.inject({ url: '/docs/json' });
      expect(docs.statusCode).toBe(200);
      const document = docs.json();
      expect(document.openapi).toMatch(/^3\./);
      expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/conversations', '/api/v1/contacts', '/api/v1/auth/login']));
      expect(document.paths['/api/v1/conversations'].get).toBeDefined();
    });
  });
});
