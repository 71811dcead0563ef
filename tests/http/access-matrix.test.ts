import { randomBytes } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/store/entities/index.ts';
import { httpPeer } from '../helpers/http-peer.ts';
import { eventually, nextEvent, TestServer, type Session } from '../helpers/test-server.ts';

type Caller = Role | 'anonymous';
const CALLERS: Caller[] = ['anonymous', 'admin', 'operator', 'marketer'];
const unique = () => randomBytes(4).toString('hex');

/** What ids the matrix rows need: an inbox the operator belongs to, and a conversation in it. */
interface World {
  inboxId: number;
  conversationId: number;
  contactId: number;
  newContact: () => Promise<number>;
  /** The refusing API inbox the operator also belongs to. */
  apiInboxId: number;
  /** A saved template (for campaigns). */
  templateId: number;
  /** Each maker creates a fresh record as the admin, so every caller's delete or edit has its own target. */
  make: {
    label: () => Promise<number>;
    team: () => Promise<number>;
    operator: () => Promise<number>;
    inbox: () => Promise<number>;
    identity: (contactId: number) => Promise<number>;
    canned: () => Promise<number>;
    suppression: () => Promise<number>;
    template: () => Promise<number>;
    segment: () => Promise<number>;
    campaign: () => Promise<number>;
    attachment: () => Promise<string>;
    /** A reply on inbox A's API twin whose peer refused it for good: something to retry. */
    failedReply: () => Promise<{ conversationId: number; messageId: number }>;
  };
}

interface Row {
  resource: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: (w: World) => string | Promise<string>;
  payload?: (w: World) => object;
  /** A non-JSON body (multipart upload). */
  raw?: () => { payload: string; contentType: string };
  allowed: Role[];
  /**
   * What an allowed caller gets when it is not 2xx: the handler's own answer, proving the role gate let the call
   * through (e.g. 400 "only WhatsApp Cloud inboxes have templates" for the test inbox).
   */
  allowedStatus?: number;
}

const STAFF: Role[] = ['admin', 'operator'];
const EVERYONE: Role[] = ['admin', 'operator', 'marketer'];
const MARKETING: Role[] = ['admin', 'marketer'];

/** Representative routes of each resource and who may call them. */
const MATRIX: Row[] = [
  { resource: 'operators', method: 'GET', url: () => '/operators', allowed: STAFF },
  { resource: 'operators', method: 'POST', url: () => '/operators', payload: () => ({ email: `new-${unique()}@crm.test`, name: 'New', password: 'a-long-password', role: 'operator' }), allowed: ['admin'] },
  { resource: 'teams', method: 'GET', url: () => '/teams', allowed: STAFF },
  { resource: 'teams', method: 'POST', url: () => '/teams', payload: () => ({ name: `team-${unique()}` }), allowed: ['admin'] },
  { resource: 'inboxes', method: 'GET', url: () => '/inboxes', allowed: STAFF },
  { resource: 'inboxes', method: 'GET', url: (w) => `/inboxes/${w.inboxId}`, allowed: STAFF },
  { resource: 'inboxes', method: 'POST', url: () => '/inboxes', payload: () => ({ kind: 'test', name: `inbox-${unique()}` }), allowed: ['admin'] },
  { resource: 'inboxes', method: 'PATCH', url: (w) => `/inboxes/${w.inboxId}`, payload: () => ({ name: 'Support' }), allowed: ['admin'] },
  { resource: 'conversations', method: 'GET', url: () => '/conversations', allowed: STAFF },
  { resource: 'conversations', method: 'GET', url: (w) => `/conversations/${w.conversationId}`, allowed: STAFF },
  { resource: 'conversations', method: 'PATCH', url: (w) => `/conversations/${w.conversationId}`, payload: () => ({ status: 'open' }), allowed: STAFF },
  { resource: 'conversations', method: 'POST', url: (w) => `/conversations/${w.conversationId}/labels`, payload: () => ({ labels: ['billing'] }), allowed: STAFF },
  { resource: 'messages', method: 'GET', url: (w) => `/conversations/${w.conversationId}/messages`, allowed: STAFF },
  { resource: 'messages', method: 'POST', url: (w) => `/conversations/${w.conversationId}/messages`, payload: () => ({ text: 'a private thought', private: true }), allowed: STAFF },
  { resource: 'contacts', method: 'GET', url: () => '/contacts', allowed: EVERYONE },
  { resource: 'contacts', method: 'POST', url: () => '/contacts', payload: () => ({ name: 'Someone' }), allowed: EVERYONE },
  { resource: 'contacts', method: 'PATCH', url: (w) => `/contacts/${w.contactId}`, payload: () => ({ language: 'en' }), allowed: EVERYONE },
  { resource: 'contacts', method: 'GET', url: (w) => `/contacts/${w.contactId}/conversations`, allowed: STAFF },
  { resource: 'contacts', method: 'POST', url: async (w) => `/contacts/${await w.newContact()}/merge`, payload: () => ({ sourceId: 0 }), allowed: STAFF },
  { resource: 'contacts', method: 'DELETE', url: async (w) => `/contacts/${await w.newContact()}`, allowed: ['admin'] },
  { resource: 'canned responses', method: 'GET', url: () => '/canned-responses', allowed: STAFF },
  { resource: 'canned responses', method: 'POST', url: () => '/canned-responses', payload: () => ({ shortCode: `c${unique()}`, content: 'Thanks!' }), allowed: ['admin'] },
  { resource: 'auth', method: 'GET', url: () => '/auth/me', allowed: EVERYONE },
  { resource: 'consents', method: 'GET', url: (w) => `/contacts/${w.contactId}/consents`, allowed: EVERYONE },
  { resource: 'consents', method: 'POST', url: (w) => `/contacts/${w.contactId}/consents`, payload: () => ({ channel: 'email', status: 'opt-in', source: 'web form' }), allowed: EVERYONE },
  { resource: 'sms segments', method: 'POST', url: () => '/sms/segments', payload: () => ({ text: 'Hello' }), allowed: EVERYONE },
  { resource: 'templates', method: 'GET', url: () => '/templates', allowed: MARKETING },
  { resource: 'templates', method: 'POST', url: () => '/templates', payload: () => ({ name: `t-${unique()}`, bodies: { default: { text: 'Hi {{ contact.first_name }}' } } }), allowed: MARKETING },
  { resource: 'segments', method: 'GET', url: () => '/segments', allowed: MARKETING },
  { resource: 'segments', method: 'POST', url: () => '/segments/count', payload: () => ({ filter: { has: ['email'] } }), allowed: MARKETING },
  { resource: 'campaigns', method: 'GET', url: () => '/campaigns', allowed: MARKETING },
  { resource: 'suppressions', method: 'GET', url: () => '/suppressions', allowed: MARKETING },
  { resource: 'suppressions', method: 'POST', url: () => '/suppressions', payload: () => ({ channel: 'email', address: `gone-${unique()}@example.com`, reason: 'bounced' }), allowed: MARKETING },

  // Every other route in src/http/routes (POST /auth/logout is covered by its own test below: it would end the sessions).
  { resource: 'operators', method: 'PATCH', url: async (w) => `/operators/${await w.make.operator()}`, payload: () => ({ name: 'Renamed' }), allowed: ['admin'] },
  { resource: 'teams', method: 'PATCH', url: async (w) => `/teams/${await w.make.team()}`, payload: () => ({ name: `team-${unique()}` }), allowed: ['admin'] },
  { resource: 'teams', method: 'DELETE', url: async (w) => `/teams/${await w.make.team()}`, allowed: ['admin'] },
  { resource: 'inboxes', method: 'GET', url: () => '/inboxes/kinds', allowed: ['admin'] },
  { resource: 'inboxes', method: 'POST', url: () => '/inboxes/test-connection', payload: () => ({ kind: 'test' }), allowed: ['admin'] },
  { resource: 'inboxes', method: 'POST', url: (w) => `/inboxes/${w.inboxId}/test-connection`, payload: () => ({}), allowed: ['admin'] },
  { resource: 'inboxes', method: 'POST', url: async (w) => `/inboxes/${await w.make.inbox()}/rotate-secret`, allowed: ['admin'] },
  { resource: 'inboxes', method: 'DELETE', url: async (w) => `/inboxes/${await w.make.inbox()}`, allowed: ['admin'] },
  { resource: 'inboxes', method: 'GET', url: (w) => `/inboxes/${w.inboxId}/contact-links/${w.contactId}`, allowed: EVERYONE, allowedStatus: 400 },
  { resource: 'inboxes', method: 'GET', url: (w) => `/inboxes/${w.inboxId}/whatsapp-templates`, allowed: EVERYONE, allowedStatus: 400 },
  { resource: 'labels', method: 'GET', url: () => '/labels', allowed: STAFF },
  { resource: 'labels', method: 'POST', url: () => '/labels', payload: () => ({ name: `label-${unique()}`, color: '#336699' }), allowed: ['admin'] },
  { resource: 'labels', method: 'PATCH', url: async (w) => `/labels/${await w.make.label()}`, payload: () => ({ color: '#993366' }), allowed: ['admin'] },
  { resource: 'labels', method: 'DELETE', url: async (w) => `/labels/${await w.make.label()}`, allowed: ['admin'] },
  { resource: 'conversations', method: 'DELETE', url: (w) => `/conversations/${w.conversationId}/labels/billing`, allowed: STAFF },
  { resource: 'conversations', method: 'POST', url: (w) => `/conversations/${w.conversationId}/read`, allowed: STAFF },
  { resource: 'messages', method: 'POST', url: async (w) => { const f = await w.make.failedReply(); return `/conversations/${f.conversationId}/messages/${f.messageId}/retry`; }, allowed: STAFF },
  { resource: 'contacts', method: 'GET', url: (w) => `/contacts/${w.contactId}`, allowed: EVERYONE },
  { resource: 'contacts', method: 'POST', url: (w) => `/contacts/${w.contactId}/identities`, payload: () => ({ kind: 'email', value: `someone-${unique()}@example.com` }), allowed: EVERYONE },
  { resource: 'contacts', method: 'DELETE', url: async (w) => { const id = await w.newContact(); return `/contacts/${id}/identities/${await w.make.identity(id)}`; }, allowed: EVERYONE },
  { resource: 'contacts', method: 'PUT', url: (w) => `/contacts/${w.contactId}/tags`, payload: () => ({ tags: ['vip'] }), allowed: EVERYONE },
  { resource: 'contacts', method: 'GET', url: (w) => `/contacts/${w.contactId}/notes`, allowed: EVERYONE },
  { resource: 'contacts', method: 'POST', url: (w) => `/contacts/${w.contactId}/notes`, payload: () => ({ body: 'Prefers mornings' }), allowed: EVERYONE },
  { resource: 'contacts', method: 'GET', url: (w) => `/contacts/${w.contactId}/channels`, allowed: STAFF },
  { resource: 'contacts', method: 'POST', url: (w) => `/contacts/${w.contactId}/messages`, payload: (w) => ({ inboxId: w.inboxId, text: 'Following up' }), allowed: STAFF },
  { resource: 'contacts csv', method: 'POST', url: () => '/contacts/import/preview', payload: () => ({ csv: 'name,email\nAda,ada@example.com\n' }), allowed: EVERYONE },
  { resource: 'contacts csv', method: 'POST', url: () => '/contacts/import', payload: () => ({ csv: `name,email\nAda,ada-${unique()}@example.com\n`, mapping: { name: 'name', email: 'email' } }), allowed: EVERYONE },
  { resource: 'contacts csv', method: 'GET', url: () => '/contacts/export.csv', allowed: EVERYONE },
  { resource: 'attachments', method: 'POST', url: () => '/attachments', raw: () => multipart('note.txt', 'text/plain', 'hello'), allowed: STAFF },
  { resource: 'attachments', method: 'GET', url: async (w) => `/attachments/${await w.make.attachment()}`, allowed: STAFF },
  { resource: 'canned responses', method: 'PATCH', url: async (w) => `/canned-responses/${await w.make.canned()}`, payload: () => ({ content: 'Thank you!' }), allowed: ['admin'] },
  { resource: 'canned responses', method: 'DELETE', url: async (w) => `/canned-responses/${await w.make.canned()}`, allowed: ['admin'] },
  { resource: 'suppressions', method: 'DELETE', url: async (w) => `/suppressions/${await w.make.suppression()}`, allowed: MARKETING },
  { resource: 'templates', method: 'GET', url: async (w) => `/templates/${await w.make.template()}`, allowed: MARKETING },
  { resource: 'templates', method: 'PATCH', url: async (w) => `/templates/${await w.make.template()}`, payload: () => ({ name: `t-${unique()}` }), allowed: MARKETING },
  { resource: 'templates', method: 'DELETE', url: async (w) => `/templates/${await w.make.template()}`, allowed: MARKETING },
  { resource: 'templates', method: 'POST', url: () => '/templates/validate', payload: () => ({ bodies: { default: { text: 'Hi {{ contact.first_name }}' } } }), allowed: MARKETING },
  { resource: 'templates', method: 'POST', url: () => '/templates/preview', payload: (w) => ({ bodies: { default: { text: 'Hi' } }, contactId: w.contactId }), allowed: MARKETING },
  { resource: 'templates', method: 'POST', url: async (w) => `/templates/${await w.make.template()}/test-send`, payload: (w) => ({ inboxId: w.inboxId, to: 'me' }), allowed: MARKETING },
  { resource: 'segments', method: 'POST', url: () => '/segments', payload: () => ({ name: `s-${unique()}`, filter: { has: ['email'] } }), allowed: MARKETING },
  { resource: 'segments', method: 'GET', url: async (w) => `/segments/${await w.make.segment()}`, allowed: MARKETING },
  { resource: 'segments', method: 'PATCH', url: async (w) => `/segments/${await w.make.segment()}`, payload: () => ({ name: `s-${unique()}` }), allowed: MARKETING },
  { resource: 'segments', method: 'DELETE', url: async (w) => `/segments/${await w.make.segment()}`, allowed: MARKETING },
  { resource: 'segments', method: 'GET', url: async (w) => `/segments/${await w.make.segment()}/count`, allowed: MARKETING },
  { resource: 'campaigns', method: 'POST', url: () => '/campaigns', payload: (w) => ({ name: `c-${unique()}`, templateId: w.templateId, channels: [w.inboxId] }), allowed: MARKETING },
  { resource: 'campaigns', method: 'GET', url: () => '/campaigns/channels', allowed: MARKETING },
  { resource: 'campaigns', method: 'GET', url: async (w) => `/campaigns/${await w.make.campaign()}`, allowed: MARKETING },
  { resource: 'campaigns', method: 'PATCH', url: async (w) => `/campaigns/${await w.make.campaign()}`, payload: () => ({ name: `c-${unique()}` }), allowed: MARKETING },
  { resource: 'campaigns', method: 'DELETE', url: async (w) => `/campaigns/${await w.make.campaign()}`, allowed: MARKETING },
  { resource: 'campaigns', method: 'POST', url: async (w) => `/campaigns/${await w.make.campaign()}/estimate`, allowed: MARKETING },
  { resource: 'campaigns', method: 'POST', url: async (w) => `/campaigns/${await w.make.campaign()}/start`, allowed: MARKETING },
  { resource: 'campaigns', method: 'POST', url: async (w) => `/campaigns/${await w.make.campaign()}/cancel`, allowed: MARKETING },
  // A draft cannot be paused or resumed: the state check's 409 shows the role gate let the call through.
  { resource: 'campaigns', method: 'POST', url: async (w) => `/campaigns/${await w.make.campaign()}/pause`, allowed: MARKETING, allowedStatus: 409 },
  { resource: 'campaigns', method: 'POST', url: async (w) => `/campaigns/${await w.make.campaign()}/resume`, allowed: MARKETING, allowedStatus: 409 },
  { resource: 'campaigns', method: 'GET', url: async (w) => `/campaigns/${await w.make.campaign()}/stats`, allowed: MARKETING },
  { resource: 'campaigns', method: 'GET', url: async (w) => `/campaigns/${await w.make.campaign()}/recipients`, allowed: MARKETING },
];

/** A multipart/form-data body with one part named "file". */
function multipart(name: string, contentType: string, content: string) {
  const boundary = `----matrix${unique()}`;
  const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${contentType}\r\n\r\n${content}\r\n--${boundary}--\r\n`;
  return { payload, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('who may do what', () => {
  let server: TestServer;
  const sessions = {} as Record<Role, Session>;
  let world: World;
  let inboxB: number;
  let conversationB: number;
  let refusing: Awaited<ReturnType<typeof httpPeer>>;

  const as = (session: Session | null, method: Row['method'], url: string, payload?: object, raw?: ReturnType<NonNullable<Row['raw']>>) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: { ...session?.headers, ...(raw && { 'content-type': raw.contentType }) }, payload: raw?.payload ?? payload });
  const created = async (session: Session, url: string, payload: object) => {
    const response = await as(session, 'POST', url, payload);
    expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(300);
    return response.json();
  };
  // Fetch the adapter each time: editing an inbox (members, name) rebuilds its channel.
  const customerWrites = async (inboxId: number, user: string, text = 'hello') =>
    (await (await server.testChannel(inboxId)).receive({ externalMessageId: unique(), externalThreadId: user, sender: { externalUserId: user, name: user }, text })) as { conversationId: number; contactId: number; message: { id: number } };

  beforeAll(async () => {
    server = await TestServer.start();
    sessions.admin = await server.login();
    sessions.operator = await server.operator('operator');
    sessions.marketer = await server.operator('marketer');
    const a = await server.inbox('test', { memberIds: [sessions.operator.operatorId] });
    const b = await server.inbox('test');
    // An API inbox whose integration refuses every reply for good (422): its replies fail, so they can be retried.
    refusing = await httpPeer(() => ({ status: 422, body: { error: 'unknown recipient' } }));
    const api = await server.inbox('api', { settings: { callbackUrl: refusing.url }, memberIds: [sessions.operator.operatorId] });
    const admin = sessions.admin;
    const inA = await customerWrites(a.id, 'customer-a');
    conversationB = (await customerWrites(b.id, 'customer-b')).conversationId;
    inboxB = b.id;
    world = {
      inboxId: a.id,
      conversationId: inA.conversationId,
      contactId: inA.contactId,
      newContact: async () => (await as(sessions.admin, 'POST', '/contacts', { name: 'Disposable' })).json().id,
      apiInboxId: api.id,
      templateId: (await created(admin, '/templates', { name: `t-${unique()}`, bodies: { default: { text: 'Hi' } } })).id,
      make: {
        label: async () => (await created(admin, '/labels', { name: `label-${unique()}`, color: '#336699' })).id,
        team: async () => (await created(admin, '/teams', { name: `team-${unique()}` })).id,
        operator: async () => (await created(admin, '/operators', { email: `op-${unique()}@crm.test`, name: 'Temp', password: 'a-long-password', role: 'operator' })).id,
        inbox: async () => (await server.inbox('test')).id,
        identity: async (contactId) => (await created(admin, `/contacts/${contactId}/identities`, { kind: 'email', value: `id-${unique()}@example.com` })).id,
        canned: async () => (await created(admin, '/canned-responses', { shortCode: `c${unique()}`, content: 'Hi' })).id,
        suppression: async () => (await created(admin, '/suppressions', { channel: 'email', address: `s-${unique()}@example.com`, reason: 'bounced' })).id,
        template: async () => (await created(admin, '/templates', { name: `t-${unique()}`, bodies: { default: { text: 'Hi' } } })).id,
        segment: async () => (await created(admin, '/segments', { name: `s-${unique()}`, filter: { has: ['email'] } })).id,
        campaign: async () => (await created(admin, '/campaigns', { name: `c-${unique()}`, templateId: world.templateId, channels: [a.id] })).id,
        attachment: async () => {
          const upload = multipart('note.txt', 'text/plain', 'hello');
          const response = await as(admin, 'POST', '/attachments', undefined, upload);
          expect(response.statusCode, response.body).toBe(201);
          return response.json().key;
        },
        failedReply: async () => {
          const inbound = await server.app.inject({ method: 'POST', url: `/api/v1/channels/api/${api.id}/messages`, headers: { authorization: `Bearer ${api.secret}` }, payload: { externalMessageId: unique(), sender: { externalUserId: `customer-${unique()}` }, text: 'question' } });
          const conversationId: number = inbound.json().conversationId;
          const messageId: number = (await created(admin, `/conversations/${conversationId}/messages`, { text: 'our answer' })).id;
          await eventually(async () => (await as(admin, 'GET', `/conversations/${conversationId}/messages`)).json().items.some((m: { id: number; status: string }) => m.id === messageId && m.status === 'failed'));
          return { conversationId, messageId };
        },
      },
    };
  }, 60_000); // three logins and two operators (argon2) on a busy machine
  afterAll(async () => {
    await refusing?.close();
    await server?.close();
  });

  describe.each(MATRIX)('$method $resource', (row) => {
    it.each(CALLERS)('as %s', async (caller) => {
      const url = await row.url(world);
      let payload = row.payload?.(world);
      // Merging needs a real source card, made fresh so each allowed call has something to merge.
      if (payload && 'sourceId' in payload) payload = { sourceId: await world.newContact() };
      const response = await as(caller === 'anonymous' ? null : sessions[caller], row.method, url, payload, row.raw?.());
      if (caller === 'anonymous') {
        expect(response.statusCode).toBe(401);
        expect(response.json().error.code).toBe('UNAUTHENTICATED');
      } else if (row.allowed.includes(caller) && row.allowedStatus) {
        expect(response.statusCode, response.body).toBe(row.allowedStatus);
      } else if (row.allowed.includes(caller)) {
        expect(response.statusCode, response.body).toBeGreaterThanOrEqual(200);
        expect(response.statusCode, response.body).toBeLessThan(300);
      } else {
        expect(response.statusCode).toBe(403);
        expect(response.json().error.code).toBe('FORBIDDEN');
      }
    });
  });

  it('refuses a made-up or logged-out token with 401', async () => {
    const fake = { token: 'nope', operatorId: 0, headers: { authorization: 'Bearer nope' } };
    expect((await as(fake, 'GET', '/auth/me')).statusCode).toBe(401);
    const session = await server.login();
    expect((await as(session, 'POST', '/auth/logout')).statusCode).toBe(204);
    expect((await as(session, 'GET', '/auth/me')).statusCode).toBe(401);
  });

  it('refuses an operator\'s session on the routes integrations call with their inbox secret', async () => {
    for (const url of [`/channels/api/${world.apiInboxId}/messages`, `/channels/api/${world.apiInboxId}/statuses`]) {
      const response = await as(sessions.admin, 'POST', url, { externalMessageId: unique(), sender: { externalUserId: 'x' }, text: 'hi' });
      expect(response.statusCode, url).toBe(401);
    }
  });

  describe.each([
    ['a direct member of inbox A', 'member'],
    ['a member through a team', 'team'],
  ] as const)('an operator who is %s', (_title, via) => {
    let operator: Session;

    beforeAll(async () => {
      operator = await server.operator('operator');
      const admin = sessions.admin;
      if (via === 'member') {
        const current = (await as(admin, 'GET', `/inboxes/${world.inboxId}`)).json().memberIds as number[];
        expect((await as(admin, 'PATCH', `/inboxes/${world.inboxId}`, { memberIds: [...current, operator.operatorId] })).statusCode).toBe(200);
      } else {
        const team = (await as(admin, 'POST', '/teams', { name: `team-${unique()}`, memberIds: [operator.operatorId] })).json();
        expect((await as(admin, 'PATCH', `/inboxes/${world.inboxId}`, { teamIds: [team.id] })).statusCode).toBe(200);
      }
    });

    it('sees inbox A\'s conversations and never inbox B\'s in the list', async () => {
      const all = (await as(operator, 'GET', '/conversations')).json().items as { id: number; inboxId: number }[];
      expect(all.map((c) => c.id)).toContain(world.conversationId);
      expect(all.every((c) => c.inboxId === world.inboxId)).toBe(true);
      expect((await as(operator, 'GET', `/conversations?inboxId=${inboxB}`)).json().items).toEqual([]);
      expect((await as(operator, 'GET', '/inboxes')).json().map((i: { id: number }) => i.id)).toEqual([world.inboxId]);
    });

    it('gets 404 for inbox B, its conversation, its messages, replies, edits and labels, and changes nothing there', async () => {
      const c = conversationB;
      const attempts: [Row['method'], string, object?][] = [
        ['GET', `/inboxes/${inboxB}`],
        ['GET', `/conversations/${c}`],
        ['GET', `/conversations/${c}/messages`],
        ['POST', `/conversations/${c}/messages`, { text: 'sneaky reply' }],
        ['PATCH', `/conversations/${c}`, { status: 'resolved' }],
        ['POST', `/conversations/${c}/labels`, { labels: ['sneaky'] }],
        ['DELETE', `/conversations/${c}/labels/sneaky`],
        ['POST', `/conversations/${c}/read`],
      ];
      for (const [method, url, payload] of attempts) {
        const response = await as(operator, method, url, payload);
        expect(response.statusCode, `${method} ${url}`).toBe(404);
        expect(response.json().error.code).toBe('NOT_FOUND');
      }
      const seenByAdmin = (await as(sessions.admin, 'GET', `/conversations/${c}`)).json();
      expect(seenByAdmin).toMatchObject({ status: 'open', labels: [], unreadCount: 1 });
      const messages = (await as(sessions.admin, 'GET', `/conversations/${c}/messages`)).json().items;
      expect(messages.map((m: { text: string }) => m.text)).toEqual(['hello']);
    });

    it('sees only inbox A\'s conversations on a card that also wrote to inbox B', async () => {
      const fromA = await customerWrites(world.inboxId, `both-${via}`);
      const admin = sessions.admin;
      const phone = via === 'member' ? '+14155552671' : '+14155552672';
      await as(admin, 'POST', `/contacts/${fromA.contactId}/identities`, { kind: 'phone', value: phone });
      const fromB = (await (await server.testChannel(inboxB)).receive({ externalMessageId: unique(), externalThreadId: `both-b-${via}`, sender: { externalUserId: `both-b-${via}`, phone }, text: 'hi from B' })) as { contactId: number };
      expect(fromB.contactId).toBe(fromA.contactId);
      const theirs = (await as(operator, 'GET', `/contacts/${fromA.contactId}/conversations`)).json().items;
      expect(theirs.map((c: { inboxId: number }) => c.inboxId)).toEqual([world.inboxId]);
      expect((await as(admin, 'GET', `/contacts/${fromA.contactId}/conversations`)).json().items).toHaveLength(2);
    });
  });

  describe('over Socket.io', () => {
    const connectFails = async (promise: Promise<Socket>) => {
      const error = await promise.then(() => null, (e: Error) => e);
      expect(error, 'the socket connected').toBeInstanceOf(Error);
      return error!;
    };

    it('pushes inbox A\'s messages to its operator but not inbox B\'s, which an admin does receive', async () => {
      const [operatorSocket, adminSocket] = [await server.socket(sessions.operator), await server.socket(sessions.admin)];
      const leaked: unknown[] = [];
      operatorSocket.on('message.created', (e: { inboxId: number }) => e.inboxId === inboxB && leaked.push(e));

      const adminSawB = nextEvent(adminSocket, 'message.created', (e: { inboxId: number }) => e.inboxId === inboxB);
      await customerWrites(inboxB, 'socket-b');
      await adminSawB;
      await new Promise((r) => setTimeout(r, 500));
      expect(leaked).toEqual([]);

      const operatorSawA = nextEvent<{ inboxId: number; message: { id: number } }>(operatorSocket, 'message.created', (e) => e.inboxId === world.inboxId);
      const written = await customerWrites(world.inboxId, 'socket-a');
      expect((await operatorSawA).message.id).toBe(written.message.id);

      // Catching up after a reconnect is filtered the same way.
      const sync = await operatorSocket.timeout(5000).emitWithAck('sync', { since: 0 });
      expect(sync.events.length).toBeGreaterThan(0);
      expect(sync.events.every((e: { inboxId: number }) => [world.inboxId, world.apiInboxId].includes(e.inboxId))).toBe(true);
    });

    it('lets admins and marketers, and nobody else, into the marketers\' namespace and its campaign.stats', async () => {
      const opened: Socket[] = [];
      const marketersSocket = async (session: Session | null) => {
        if (!server.url) await server.listen();
        const socket = connect(`${server.url}/marketers`, { auth: session ? { token: session.token } : {}, transports: ['websocket'], reconnection: false });
        opened.push(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        return socket;
      };
      try {
        const campaignId = await world.make.campaign();
        for (const role of MARKETING) {
          const stats = await (await marketersSocket(sessions[role])).timeout(5000).emitWithAck('campaign.stats', { campaignId });
          expect(stats.error, role).toBeUndefined();
        }
        expect((await connectFails(marketersSocket(sessions.operator))).message).toBe('FORBIDDEN');
        expect((await connectFails(marketersSocket(null))).message).toBe('UNAUTHENTICATED');
      } finally {
        for (const socket of opened) socket.disconnect();
      }
    });

    it('relays an operator\'s typing only in conversations they can see', async () => {
      const [operatorSocket, adminSocket] = [await server.socket(sessions.operator), await server.socket(sessions.admin)];
      const seen: number[] = [];
      adminSocket.on('typing', (e: { conversationId: number; operatorId: number }) => e.operatorId === sessions.operator.operatorId && seen.push(e.conversationId));
      operatorSocket.emit('typing', { conversationId: conversationB, typing: true });
      operatorSocket.emit('typing', { conversationId: world.conversationId, typing: true });
      await eventually(async () => seen.includes(world.conversationId), 3000);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).not.toContain(conversationB);
    });

    it('does not let a marketer connect to the operator namespace', async () => {
      expect((await connectFails(server.socket(sessions.marketer))).message).toBe('FORBIDDEN');
    });

    it('refuses a socket with a bad token', async () => {
      expect((await connectFails(server.socket({ token: 'not-a-session', operatorId: 0, headers: { authorization: '' } }))).message).toBe('UNAUTHENTICATED');
    });

    it('refuses a socket from a foreign Origin and accepts one from PUBLIC_URL', async () => {
      await connectFails(server.socket(sessions.admin, { origin: 'https://evil.example' }));
      const socket = await server.socket(sessions.admin, { origin: new URL(server.config.PUBLIC_URL).origin });
      expect(socket.connected).toBe(true);
    });

    it('starts pushing an inbox\'s events to an open socket once the operator is added to it, and stops when removed', async () => {
      const newcomer = await server.operator('operator');
      const inbox = await server.inbox('test');
      const socket = await server.socket(newcomer);
      const adminSocket = await server.socket(sessions.admin);
      const received: number[] = [];
      socket.on('message.created', (e: { inboxId: number; message: { id: number } }) => e.inboxId === inbox.id && received.push(e.message.id));

      const before = nextEvent(adminSocket, 'message.created', (e: { inboxId: number }) => e.inboxId === inbox.id);
      await customerWrites(inbox.id, 'late-1');
      await before;
      await new Promise((r) => setTimeout(r, 300));
      expect(received).toEqual([]);

      expect((await as(sessions.admin, 'PATCH', `/inboxes/${inbox.id}`, { memberIds: [newcomer.operatorId] })).statusCode).toBe(200);
      const after = await customerWrites(inbox.id, 'late-2');
      await eventually(async () => received.includes(after.message.id), 3000);

      expect((await as(sessions.admin, 'PATCH', `/inboxes/${inbox.id}`, { memberIds: [] })).statusCode).toBe(200);
      const adminSawRemoved = nextEvent(adminSocket, 'message.created', (e: { inboxId: number }) => e.inboxId === inbox.id);
      const removed = await customerWrites(inbox.id, 'late-3');
      await adminSawRemoved;
      await new Promise((r) => setTimeout(r, 500));
      expect(received).not.toContain(removed.message.id);
    });

    it('ends a deactivated operator\'s sessions: their socket is closed and REST answers 401', async () => {
      const leaving = await server.operator('operator');
      const socket = await server.socket(leaving);
      const closed = nextEvent(socket, 'disconnect');
      const response = await as(sessions.admin, 'PATCH', `/operators/${leaving.operatorId}`, { active: false });
      expect(response.statusCode).toBe(200);
      await closed;
      expect((await as(leaving, 'GET', '/auth/me')).statusCode).toBe(401);
      expect((await as(leaving, 'GET', '/conversations')).statusCode).toBe(401);
      const relogin = await server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: (await as(sessions.admin, 'GET', '/operators')).json().find((o: { id: number }) => o.id === leaving.operatorId).email, password: 'a-long-password' } });
      expect(relogin.statusCode).toBe(401);
      await connectFails(server.socket(leaving));
    });
  });
});
