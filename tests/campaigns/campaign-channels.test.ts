import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, makeInbox, type Caller } from '../helpers/campaigns.ts';
import { TestServer } from '../helpers/test-server.ts';

/** The campaign wizard's list of inboxes: marketers may not list inboxes themselves (settings, members). */
describe('GET /campaigns/channels', { timeout: 60_000 }, () => {
  let server: TestServer;
  let admin: Caller;

  beforeAll(async () => {
    server = await TestServer.start({ workers: false });
    admin = caller(server, await server.login());
  }, 60_000);
  afterAll(() => server.close());

  it('answers every inbox with only its id, kind and name to marketers and admins, and 403 to operators', async () => {
    const inbox = await makeInbox(admin, 'api', { name: 'Shop', settings: { callbackUrl: 'http://127.0.0.1:9/hook' } });
    const marketer = caller(server, await server.operator('marketer'));
    const answer = await marketer('GET', '/campaigns/channels');
    expect(answer.status).toBe(200);
    expect(answer.body).toContainEqual({ id: inbox.id, kind: 'api', name: 'Shop' });
    for (const item of answer.body) expect(Object.keys(item).sort()).toEqual(['id', 'kind', 'name']);
    expect((await admin('GET', '/campaigns/channels')).status).toBe(200);

    const operator = caller(server, await server.operator('operator'));
    const refused = await operator('GET', '/campaigns/channels');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN' });
  });
});
