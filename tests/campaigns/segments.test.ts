import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, type Caller } from '../helpers/campaigns.ts';
import { TestServer } from '../helpers/test-server.ts';

describe('segments', { timeout: 90_000 }, () => {
  let server: TestServer;
  let call: Caller;
  const names = new Map<number, string>();
  let tag: string;

  beforeAll(async () => {
    server = await TestServer.start({ workers: false });
    call = caller(server, await server.operator('marketer'));
    tag = `seg-${Date.now()}`;
    const cards = [
      { name: 'Ann', tags: [tag, 'vip'], birthday: '1990-11-03', language: 'de-AT', customFields: { plan: 'gold', points: 150, active: true, since: '2024-01-10' }, identities: [{ kind: 'email', value: 'ann@example.com' }, { kind: 'phone', value: '+14155550101' }] },
      { name: 'Ben', tags: [tag], birthday: '1985-12-24', language: 'en', customFields: { plan: 'silver', points: 40, active: false }, identities: [{ kind: 'telegram', value: '1001' }] },
      { name: 'Cid', tags: [tag, 'vip', 'churned'], birthday: '1979-11-30', customFields: { plan: 'gold', points: '90' }, identities: [{ kind: 'whatsapp-cloud', value: '14155550102' }, { kind: 'email', value: 'cid@example.com' }] },
      { name: 'Dee', tags: [tag], customFields: {}, identities: [] },
    ];
    for (const card of cards) {
      const { body } = await call('POST', '/contacts', card);
      names.set(body.id, card.name);
    }
  }, 60_000); // a whole server per file: boot and logins (argon2) are slow on a busy machine
  afterAll(() => server.close());

  /** The names of this file's cards an unsaved filter matches (the live count says the same). */
  async function matching(filter: Record<string, unknown>): Promise<string[]> {
    const { status, body } = await call('POST', '/segments/count', { filter: { ...filter, tagsAll: [tag, ...((filter.tagsAll as string[]) ?? [])] } });
    if (status !== 200) throw new Error(JSON.stringify(body));
    expect(body.sample.length).toBe(Math.min(body.count, 10));
    return body.sample.map((c: { id: number }) => names.get(c.id)).sort();
  }

  it.each([
    ['tags: any of', { tagsAny: ['vip'] }, ['Ann', 'Cid']],
    ['tags: all of', { tagsAll: ['vip', 'churned'] }, ['Cid']],
    ['tags: none of', { tagsNone: ['churned'] }, ['Ann', 'Ben', 'Dee']],
    ['has an email', { has: ['email'] }, ['Ann', 'Cid']],
    ['has WhatsApp (either WhatsApp channel)', { has: ['whatsapp'] }, ['Cid']],
    ['has email and phone', { has: ['email', 'phone'] }, ['Ann']],
    ['has no email', { hasNot: ['email'] }, ['Ben', 'Dee']],
    ['birthday in November', { birthdayMonths: [11] }, ['Ann', 'Cid']],
    ['language de (matches de-AT)', { languages: ['de'] }, ['Ann']],
    ['custom field equals', { customFields: [{ field: 'plan', op: 'eq', value: 'gold' }] }, ['Ann', 'Cid']],
    ['custom field differs (or is missing)', { customFields: [{ field: 'plan', op: 'neq', value: 'gold' }] }, ['Ben', 'Dee']],
    ['custom number greater than (a text "90" is not a number)', { customFields: [{ field: 'points', op: 'gt', value: 50 }] }, ['Ann']],
    ['custom number at most', { customFields: [{ field: 'points', op: 'lte', value: 100 }] }, ['Ben']],
    ['custom boolean', { customFields: [{ field: 'active', op: 'eq', value: true }] }, ['Ann']],
    ['custom field in a list', { customFields: [{ field: 'plan', op: 'in', value: ['silver', 'bronze'] }] }, ['Ben']],
    ['custom field contains (any case)', { customFields: [{ field: 'plan', op: 'contains', value: 'OL' }] }, ['Ann', 'Cid']],
    ['custom field exists', { customFields: [{ field: 'since', op: 'exists' }] }, ['Ann']],
    ['custom field missing', { customFields: [{ field: 'plan', op: 'notExists' }] }, ['Dee']],
    ['custom date as text, after', { customFields: [{ field: 'since', op: 'gte', value: '2024-01-01' }] }, ['Ann']],
    ['created within the last day', { created: { withinDays: 1 } }, ['Ann', 'Ben', 'Cid', 'Dee']],
    ['created before 2000', { created: { before: '2000-01-01T00:00:00Z' } }, []],
    ['never active', { lastActivity: { never: true } }, ['Ann', 'Ben', 'Cid', 'Dee']],
    ['active in the last 30 days', { lastActivity: { withinDays: 30 } }, []],
  ])('filters by %s', async (_what, filter, expected) => {
    expect(await matching(filter)).toEqual(expected);
  });

  it('saves a segment, counts it, and refuses a duplicate name or a malformed filter', async () => {
    const saved = await call('POST', '/segments', { name: 'gold vips', filter: { tagsAll: [tag, 'vip'], customFields: [{ field: 'plan', op: 'eq', value: 'gold' }] } });
    expect(saved.status).toBe(201);
    expect((await call('GET', `/segments/${saved.body.id}/count`)).body.count).toBe(2);
    expect((await call('POST', '/segments', { name: 'gold vips', filter: {} })).status).toBe(409);
    expect((await call('POST', '/segments', { name: 'bad', filter: { birthdayMonths: [13] } })).status).toBe(400);
    expect((await call('POST', '/segments', { name: 'bad', filter: { customFields: [{ field: 'plan', op: 'in', value: [] }] } })).status).toBe(400);
    expect((await call('POST', '/segments', { name: 'bad', filter: { colour: 'red' } })).status).toBe(400);
    const renamed = await call('PATCH', `/segments/${saved.body.id}`, { name: 'gold' });
    expect(renamed.body).toMatchObject({ name: 'gold', filter: saved.body.filter });
    expect((await call('DELETE', `/segments/${saved.body.id}`)).status).toBe(204);
  });
});
