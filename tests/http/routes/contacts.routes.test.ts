import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contact } from '../../../src/store/entities/index.ts';
import { nextEvent, TestServer, type Session } from '../../helpers/test-server.ts';

/** A tag no other test uses, so list assertions only see this test's cards. */
const uniqueTag = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

describe('client cards', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await TestServer.start();
    admin = await server.login();
  });
  afterAll(() => server.close());

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object, session = admin) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: session.headers, payload });
  const createCard = async (payload: object) => {
    const response = await api('POST', '/contacts', payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  };
  const cardCount = () => server.runtime.orm.em.fork().count(Contact, {});
  /** A customer writes to an API inbox; returns where the message landed. */
  const customerWrites = async (inbox: { id: number; secret: string }, sender: object, text = 'hello') => {
    const response = await server.app.inject({
      method: 'POST', url: `/api/v1/channels/api/${inbox.id}/messages`, headers: { authorization: `Bearer ${inbox.secret}` },
      payload: { externalMessageId: randomBytes(6).toString('hex'), sender, text },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { contactId: number; conversationId: number };
  };

  describe('creating and editing', () => {
    it('creates a card with its phone in E.164 and its email lower-cased', async () => {
      const card = await createCard({ name: 'Grace Hopper', identities: [{ kind: 'phone', value: '+1 (415) 555-2671' }, { kind: 'email', value: '  Grace@Navy.MIL ' }], tags: ['VIP', ' vip ', 'navy'] });
      expect(card).toMatchObject({ name: 'Grace Hopper', tags: ['navy', 'vip'] });
      expect(card.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`).sort()).toEqual(['email:grace@navy.mil', 'phone:+14155552671']);
      const fetched = await api('GET', `/contacts/${card.id}`);
      expect(fetched.json()).toEqual(card);
    });

    it('refuses an invalid phone or email with a message naming the value, and creates nothing', async () => {
      const before = await cardCount();
      const phone = await api('POST', '/contacts', { name: 'X', identities: [{ kind: 'phone', value: '12345' }] });
      expect(phone.statusCode).toBe(400);
      expect(phone.json().error.message).toMatch(/"12345" is not a valid phone number/);
      const email = await api('POST', '/contacts', { name: 'X', identities: [{ kind: 'email', value: 'not-an-email' }] });
      expect(email.statusCode).toBe(400);
      expect(email.json().error.message).toMatch(/"not-an-email" is not a valid email address/);
      expect(await cardCount()).toBe(before);
    });

    it('answers 409 when an identity already belongs to another card, and does not create the new card', async () => {
      await createCard({ name: 'First', identities: [{ kind: 'email', value: 'taken@example.com' }] });
      const before = await cardCount();
      const response = await api('POST', '/contacts', { name: 'Second', identities: [{ kind: 'phone', value: '+44 20 7946 0958' }, { kind: 'email', value: 'TAKEN@example.com' }] });
      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('CONFLICT');
      expect(await cardCount()).toBe(before);
      // The phone of the refused card was not left behind either: another card can take it.
      await createCard({ name: 'Third', identities: [{ kind: 'phone', value: '+442079460958' }] });
    });

    it('refuses an identity value longer than the database can store with a 400, not a server error', async () => {
      const long = `${'a'.repeat(250)}@example.com`;
      const response = await api('POST', '/contacts', { identities: [{ kind: 'email', value: long }] });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION');
    });

    it('edits fields with PATCH, leaves the others alone, and clears a field set to null', async () => {
      const card = await createCard({ name: 'Ada', language: 'en', identities: [{ kind: 'email', value: 'ada-edit@example.com' }] });
      const edited = await api('PATCH', `/contacts/${card.id}`, { birthday: '1815-12-10', timezone: 'Europe/London', customFields: { plan: 'pro' } });
      expect(edited.statusCode).toBe(200);
      expect(edited.json()).toMatchObject({ name: 'Ada', language: 'en', birthday: '1815-12-10', timezone: 'Europe/London', customFields: { plan: 'pro' }, identities: [expect.objectContaining({ value: 'ada-edit@example.com' })] });
      const cleared = await api('PATCH', `/contacts/${card.id}`, { language: null });
      expect(cleared.json()).toMatchObject({ language: null, birthday: '1815-12-10' });
      expect((await api('GET', `/contacts/${card.id}`)).json()).toMatchObject({ language: null, timezone: 'Europe/London' });
    });

    it('answers 404 when editing a card that does not exist', async () => {
      const response = await api('PATCH', '/contacts/999999', { name: 'Nobody' });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('NOT_FOUND');
    });
  });

  describe('searching', () => {
    let tag: string;
    let lovelace: { id: number };
    let babbage: { id: number };

    beforeAll(async () => {
      tag = uniqueTag('search');
      lovelace = await createCard({ name: 'Augusta Lovelace', tags: [tag], identities: [{ kind: 'phone', value: '+1 202 555 0143' }, { kind: 'email', value: 'countess@analytical.example' }] });
      babbage = await createCard({ name: 'Charles Babbage', tags: [tag, 'engine'], identities: [{ kind: 'email', value: 'charles@difference.example' }] });
    });

    const search = async (query: string) => {
      const response = await api('GET', `/contacts?${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return (response.json().items as { id: number }[]).map((c) => c.id);
    };

    it('finds a card by part of its name, whatever the case', async () => {
      expect(await search('q=lovel')).toEqual([lovelace.id]);
      expect(await search('q=BABBAGE')).toEqual([babbage.id]);
    });

    it('finds a card by part of its phone number, typed with or without punctuation', async () => {
      expect(await search('q=2025550143')).toEqual([lovelace.id]);
      expect(await search(`q=${encodeURIComponent('(202) 555-01')}`)).toEqual([lovelace.id]);
    });

    it('finds a card by part of its email, whatever the case', async () => {
      expect(await search('q=ANALYTICAL')).toEqual([lovelace.id]);
      expect(await search('q=charles%40difference')).toEqual([babbage.id]);
    });

    it('lists a card once and with all its identities even when several of them match', async () => {
      const response = await api('GET', `/contacts?q=a&tag=${tag}`);
      const items = response.json().items as { id: number; identities: unknown[] }[];
      expect(items.map((c) => c.id)).toEqual([babbage.id, lovelace.id]);
      expect(items[1]!.identities).toHaveLength(2);
    });

    it('filters by tag', async () => {
      expect(await search(`tag=${tag}`)).toEqual([babbage.id, lovelace.id]);
      expect(await search(`tag=engine&q=charles`)).toEqual([babbage.id]);
      expect(await search(`tag=${uniqueTag('none')}`)).toEqual([]);
    });

    it('walks the whole list with a cursor, newest first, without repeats or gaps', async () => {
      const pageTag = uniqueTag('page');
      const created: number[] = [];
      for (let i = 0; i < 5; i++) created.push((await createCard({ name: `Paged ${i}`, tags: [pageTag] })).id);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response = await api('GET', `/contacts?tag=${pageTag}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        const body = response.json();
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((c: { id: number }) => c.id));
        cursor = body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([...created].reverse());
    });

    it('refuses a cursor it did not give out', async () => {
      const response = await api('GET', '/contacts?cursor=garbage');
      expect(response.statusCode).toBe(400);
    });
  });

  describe('tags, notes and identities', () => {
    it('replaces the tags of a card', async () => {
      const card = await createCard({ name: 'Tagged', tags: ['old', 'keep'] });
      const response = await api('PUT', `/contacts/${card.id}/tags`, { tags: ['Keep', 'new', 'new '] });
      expect(response.statusCode).toBe(200);
      expect(response.json().tags).toEqual(['keep', 'new']);
      expect((await api('GET', `/contacts?tag=old`)).json().items.map((c: { id: number }) => c.id)).not.toContain(card.id);
    });

    it('keeps notes with their author, newest first', async () => {
      const card = await createCard({ name: 'Noted' });
      const operator = await server.operator('operator');
      const first = await api('POST', `/contacts/${card.id}/notes`, { body: 'Prefers email' });
      expect(first.statusCode).toBe(201);
      const second = await api('POST', `/contacts/${card.id}/notes`, { body: 'Called about billing' }, operator);
      expect(second.statusCode).toBe(201);
      const notes = (await api('GET', `/contacts/${card.id}/notes`)).json();
      expect(notes).toMatchObject([{ body: 'Called about billing', authorId: operator.operatorId }, { body: 'Prefers email', authorId: admin.operatorId }]);
    });

    it('adds an identity normalised, refuses one another card has, and removes one', async () => {
      const card = await createCard({ name: 'Ident' });
      const other = await createCard({ name: 'Owner', identities: [{ kind: 'email', value: 'owner@example.com' }] });
      const added = await api('POST', `/contacts/${card.id}/identities`, { kind: 'phone', value: '+49 30 901820' });
      expect(added.statusCode).toBe(201);
      expect(added.json()).toMatchObject({ kind: 'phone', value: '+4930901820' });

      const taken = await api('POST', `/contacts/${card.id}/identities`, { kind: 'email', value: 'Owner@Example.com' });
      expect(taken.statusCode).toBe(409);
      expect(taken.json().error.code).toBe('CONFLICT');
      const invalid = await api('POST', `/contacts/${card.id}/identities`, { kind: 'phone', value: 'call me' });
      expect(invalid.statusCode).toBe(400);
      expect((await api('GET', `/contacts/${card.id}`)).json().identities).toHaveLength(1);

      // An identity is removed only through the card it belongs to.
      const ownerIdentity = other.identities[0].id;
      expect((await api('DELETE', `/contacts/${card.id}/identities/${ownerIdentity}`)).statusCode).toBe(404);
      expect((await api('DELETE', `/contacts/${card.id}/identities/${added.json().id}`)).statusCode).toBe(204);
      expect((await api('GET', `/contacts/${card.id}`)).json().identities).toEqual([]);
      expect((await api('GET', `/contacts/${other.id}`)).json().identities).toHaveLength(1);
    });
  });

  it('shows the card\'s conversations from two inboxes', async () => {
    const [first, second] = [await server.inbox('api'), await server.inbox('api')];
    const a = await customerWrites(first, { externalUserId: 'two-inboxes', name: 'Lin', email: 'lin@example.com' });
    const b = await customerWrites(second, { externalUserId: 'other-id', email: 'LIN@example.com' });
    expect(b.contactId).toBe(a.contactId);
    const response = await api('GET', `/contacts/${a.contactId}/conversations`);
    expect(response.statusCode).toBe(200);
    const items = response.json().items as { id: number; inboxId: number; contactId: number }[];
    expect(items.map((c) => c.inboxId).sort()).toEqual([first.id, second.id].sort());
    expect(items.map((c) => c.id).sort()).toEqual([a.conversationId, b.conversationId].sort());
    expect((await api('GET', '/contacts/999999/conversations')).statusCode).toBe(404);
  });

  describe('merging', () => {
    it('moves identities, conversations, notes and tags to the target, fills its empty fields, deletes the source and tells operators', async () => {
      const operator = await server.operator('operator');
      const inbox = await server.inbox('api', { memberIds: [operator.operatorId] });
      const target = await createCard({ name: 'Ada Target', language: 'en', tags: ['vip'], customFields: { plan: 'pro' }, identities: [{ kind: 'email', value: 'ada-target@example.com' }] });
      const written = await customerWrites(inbox, { externalUserId: 'merge-source', name: 'Ada Source', phone: '+1 415 555 0100' });
      const sourceId = written.contactId;
      await api('PATCH', `/contacts/${sourceId}`, { language: 'fr', timezone: 'Europe/Paris', customFields: { plan: 'free', city: 'Paris' } });
      await api('PUT', `/contacts/${sourceId}/tags`, { tags: ['lead', 'vip'] });
      await api('POST', `/contacts/${sourceId}/notes`, { body: 'Met at the fair' });

      const socket = await server.socket(operator);
      const updated = nextEvent<{ conversation: { id: number; contactId: number } }>(socket, 'conversation.updated', (e) => e.conversation.id === written.conversationId);
      const response = await api('POST', `/contacts/${target.id}/merge`, { sourceId }, operator);
      expect(response.statusCode, response.body).toBe(200);
      const merged = response.json();
      expect(merged).toMatchObject({ id: target.id, name: 'Ada Target', language: 'en', timezone: 'Europe/Paris', tags: ['lead', 'vip'], customFields: { plan: 'pro', city: 'Paris' } });
      expect(merged.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`).sort()).toEqual([`api:${inbox.id}:merge-source`, 'email:ada-target@example.com', 'phone:+14155550100']);

      expect((await updated).conversation.contactId).toBe(target.id);
      expect((await api('GET', `/contacts/${sourceId}`)).statusCode).toBe(404);
      expect((await api('GET', `/contacts/${target.id}/notes`)).json()).toMatchObject([{ body: 'Met at the fair' }]);
      expect((await api('GET', `/contacts/${target.id}/conversations`)).json().items).toMatchObject([{ id: written.conversationId, contactId: target.id }]);

      // The customer writing again lands on the merged card's conversation.
      const again = await customerWrites(inbox, { externalUserId: 'merge-source' }, 'me again');
      expect(again).toMatchObject({ contactId: target.id, conversationId: written.conversationId });
    });

    it('refuses to merge a card into itself', async () => {
      const card = await createCard({ name: 'Self' });
      const response = await api('POST', `/contacts/${card.id}/merge`, { sourceId: card.id });
      expect(response.statusCode).toBe(400);
      expect((await api('GET', `/contacts/${card.id}`)).statusCode).toBe(200);
    });

    it('answers 404 for an unknown card on either side and changes nothing', async () => {
      const card = await createCard({ name: 'Lonely', tags: ['solo'], identities: [{ kind: 'email', value: 'lonely@example.com' }] });
      const before = await cardCount();
      const unknownSource = await api('POST', `/contacts/${card.id}/merge`, { sourceId: 999999 });
      expect(unknownSource.statusCode).toBe(404);
      expect(unknownSource.json().error.code).toBe('NOT_FOUND');
      const unknownTarget = await api('POST', '/contacts/999999/merge', { sourceId: card.id });
      expect(unknownTarget.statusCode).toBe(404);
      expect(await cardCount()).toBe(before);
      expect((await api('GET', `/contacts/${card.id}`)).json()).toEqual(card);
    });

    it('does not let a marketer merge cards', async () => {
      const marketer = await server.operator('marketer');
      const [a, b] = [await createCard({ name: 'M1' }), await createCard({ name: 'M2' })];
      expect((await api('POST', `/contacts/${a.id}/merge`, { sourceId: b.id }, marketer)).statusCode).toBe(403);
      expect((await api('GET', `/contacts/${b.id}`)).statusCode).toBe(200);
    });
  });
});
