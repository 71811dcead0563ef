import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifierHash } from '../../channels/webchat/identity-hash.ts';
import { TestServer, type Session } from '../helpers/test-server.ts';
import { openWidget, widgetInbox, type Visitor } from '../helpers/widget-visitor.ts';

/** Identity verification: the site vouches for its user with HMAC-SHA256(inbox secret, identifier). */
describe('widget identity verification', () => {
  let server: TestServer;
  let admin: Session;
  let url: string;
  const opened: Socket[] = [];

  beforeAll(async () => {
    server = await TestServer.start();
    url = await server.listen();
    admin = await server.login();
  });
  afterAll(async () => {
    for (const socket of opened) socket.disconnect();
    await server.close();
  });

  const api = (method: 'GET' | 'POST', path: string, payload?: object) => server.app.inject({ method, url: `/api/v1${path}`, headers: admin.headers, payload });
  async function visitor(auth: Record<string, unknown>): Promise<Visitor> {
    const v = await openWidget(url, auth);
    opened.push(v.socket);
    return v;
  }
  /** The client card behind the visitor's conversation. */
  async function cardOf(inboxId: number, visitorId: string) {
    const { items } = (await api('GET', `/conversations?inboxId=${inboxId}&limit=200`)).json();
    const conversation = items.find((c: any) => c.externalThreadId === visitorId);
    return (await api('GET', `/contacts/${conversation.contactId}`)).json();
  }

  it('accepts a correct identifierHash: the same user on another device gets the same conversation and history', async () => {
    const inbox = await widgetInbox(server);
    const user = { identifier: 'user-42', name: 'Ada Lovelace', email: 'ada@example.com', identifierHash: identifierHash(inbox.secret, 'user-42') };
    const laptop = await visitor({ inboxId: inbox.id, user });
    expect(laptop.session).toMatchObject({ verification: 'verified', visitorId: 'u_user-42' });
    await laptop.say('from my laptop');
    const phone = await visitor({ inboxId: inbox.id, user });
    expect(phone.session.messages.map((m) => m.text)).toEqual(['from my laptop']);
    expect((await cardOf(inbox.id, 'u_user-42')).name).toBe('Ada Lovelace');
  });

  it('joins a verified visitor to the card that already has their email from another channel', async () => {
    const apiInbox = await server.inbox('api');
    const ingested = await server.app.inject({
      method: 'POST', url: `/api/v1/channels/api/${apiInbox.id}/messages`, headers: { authorization: `Bearer ${apiInbox.secret}` },
      payload: { externalMessageId: 'm-1', sender: { externalUserId: 'crm-user-9', email: 'grace@example.com', name: 'Grace' }, text: 'hi by API' },
    });
    expect(ingested.statusCode).toBeLessThan(300);
    const existing = ingested.json().contactId;
    const inbox = await widgetInbox(server);
    const v = await visitor({ inboxId: inbox.id, user: { identifier: 'g-9', email: 'GRACE@example.com', identifierHash: identifierHash(inbox.secret, 'g-9') } });
    await v.say('hi from the site');
    expect((await cardOf(inbox.id, 'u_g-9')).id).toBe(existing);
  });

  it('rejects a wrong hash: the visitor stays anonymous and reaches no one else\'s conversation', async () => {
    const inbox = await widgetInbox(server);
    const owner = await visitor({ inboxId: inbox.id, user: { identifier: 'victim', identifierHash: identifierHash(inbox.secret, 'victim') } });
    await owner.say('my secret order number is 1234');
    const forged = await visitor({ inboxId: inbox.id, user: { identifier: 'victim', email: 'victim@example.com', identifierHash: identifierHash('wrong secret', 'victim') } });
    expect(forged.session).toMatchObject({ verification: 'rejected', visitorId: expect.stringMatching(/^a_/), messages: [] });
    await forged.say('hello');
    const card = await cardOf(inbox.id, forged.session.visitorId);
    expect(JSON.stringify(card)).not.toContain('victim@example.com');
  });

  it('does not carry a verified user\'s session over to whoever uses the browser after they log out', async () => {
    const inbox = await widgetInbox(server);
    const user = await visitor({ inboxId: inbox.id, user: { identifier: 'leaving', identifierHash: identifierHash(inbox.secret, 'leaving') } });
    await user.say('private stuff');
    const next = await visitor({ inboxId: inbox.id, token: user.session.token });
    expect(next.session.visitorId).toMatch(/^a_/);
    expect(next.session.messages).toEqual([]);
  });

  it('without enforcement takes unverified name and email as contact details', async () => {
    const inbox = await widgetInbox(server);
    const v = await visitor({ inboxId: inbox.id, user: { name: 'Linus', email: 'linus@example.com' } });
    expect(v.session.verification).toBe('unverified');
    await v.say('hi');
    const card = await cardOf(inbox.id, v.session.visitorId);
    expect(card.name).toBe('Linus');
    expect(JSON.stringify(card)).toContain('linus@example.com');
  });

  it('when the inbox enforces verification, rejects unverified claims and keeps the visitor anonymous', async () => {
    const apiInbox = await server.inbox('api');
    const ingested = await server.app.inject({
      method: 'POST', url: `/api/v1/channels/api/${apiInbox.id}/messages`, headers: { authorization: `Bearer ${apiInbox.secret}` },
      payload: { externalMessageId: 'm-2', sender: { externalUserId: 'crm-user-10', email: 'boss@example.com', name: 'The Boss' }, text: 'hi' },
    });
    const bossCard = ingested.json().contactId;
    const inbox = await widgetInbox(server, { enforceVerification: true });
    const claim = await visitor({ inboxId: inbox.id, user: { identifier: 'boss', name: 'The Boss', email: 'boss@example.com' } });
    expect(claim.session).toMatchObject({ verification: 'rejected', visitorId: expect.stringMatching(/^a_/) });
    // Even the offline form's email cannot tie an unverified visitor to the boss's card.
    await claim.socket.timeout(5000).emitWithAck('profile', { email: 'boss@example.com' });
    await claim.say('pay invoice 7 to my account please');
    const card = await cardOf(inbox.id, claim.session.visitorId);
    expect(card.id).not.toBe(bossCard);
    expect(card.name).toBeNull();

    const verified = await visitor({ inboxId: inbox.id, user: { identifier: 'boss', email: 'boss@example.com', identifierHash: identifierHash(inbox.secret, 'boss') } });
    expect(verified.session.verification).toBe('verified');
    await verified.say('hello, it is really me');
    expect((await cardOf(inbox.id, 'u_boss')).id).toBe(bossCard);
  });
});
