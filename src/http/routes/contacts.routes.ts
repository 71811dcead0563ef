import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ContactFields, NewContact } from '../../contacts/contacts.service.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../plugins/auth.plugin.ts';
import { Cursor, IdParams, Limit, Name, Nullable, Strict } from '../schemas.ts';

const everyone = { access: ['admin', 'operator', 'marketer'] as const };
const IdentityInput = Strict({ kind: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z-]*$' }), value: Type.String({ minLength: 1, maxLength: 255 }) }); // the column is varchar(255) on PostgreSQL
const Tags = Type.Array(Name(64), { maxItems: 100 });
const Fields = {
  name: Type.Optional(Nullable(Name())),
  avatarUrl: Type.Optional(Nullable(Type.String({ format: 'uri', maxLength: 2048 }))),
  birthday: Type.Optional(Nullable(Type.String({ format: 'date' }))),
  language: Type.Optional(Nullable(Type.String({ minLength: 2, maxLength: 35 }))),
  timezone: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  customFields: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())),
};

export async function contactsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { contacts } = services;

  app.get('/contacts', {
    schema: { tags: ['contacts'], summary: 'Search client cards by name, phone or email', querystring: Strict({ q: Type.Optional(Type.String({ maxLength: 200 })), tag: Type.Optional(Name(64)), cursor: Cursor, limit: Limit }) },
    config: everyone,
  }, (request) => contacts.search({ limit: 50, ...(request.query as { q?: string; tag?: string; cursor?: string; limit?: number }) }));

  app.post('/contacts', { schema: { tags: ['contacts'], body: Strict({ ...Fields, identities: Type.Optional(Type.Array(IdentityInput, { maxItems: 50 })), tags: Type.Optional(Tags) }) }, config: everyone }, async (request, reply) =>
    reply.status(201).send(await contacts.create(request.body as NewContact)));

  app.get('/contacts/:id', { schema: { tags: ['contacts'], params: IdParams }, config: everyone }, (request) => contacts.get((request.params as { id: number }).id));

  app.patch('/contacts/:id', { schema: { tags: ['contacts'], params: IdParams, body: Strict(Fields) }, config: everyone }, (request) =>
    contacts.update((request.params as { id: number }).id, request.body as ContactFields));

  app.delete('/contacts/:id', { schema: { tags: ['contacts'], params: IdParams }, config: { access: ['admin'] } }, async (request, reply) => {
    await contacts.remove((request.params as { id: number }).id);
    return reply.status(204).send();
  });

  app.post('/contacts/:id/identities', { schema: { tags: ['contacts'], params: IdParams, body: IdentityInput }, config: everyone }, async (request, reply) => {
    const { kind, value } = request.body as { kind: string; value: string };
    return reply.status(201).send(await contacts.addIdentity((request.params as { id: number }).id, kind, value));
  });

  app.delete('/contacts/:id/identities/:identityId', { schema: { tags: ['contacts'], params: Strict({ id: Type.Integer({ minimum: 1 }), identityId: Type.Integer({ minimum: 1 }) }) }, config: everyone }, async (request, reply) => {
    const { id, identityId } = request.params as { id: number; identityId: number };
    await contacts.removeIdentity(id, identityId);
    return reply.status(204).send();
  });

  app.put('/contacts/:id/tags', { schema: { tags: ['contacts'], params: IdParams, body: Strict({ tags: Tags }) }, config: everyone }, (request) =>
    contacts.setTags((request.params as { id: number }).id, (request.body as { tags: string[] }).tags));

  app.get('/contacts/:id/notes', { schema: { tags: ['contacts'], params: IdParams }, config: everyone }, (request) => contacts.notes((request.params as { id: number }).id));

  app.post('/contacts/:id/notes', { schema: { tags: ['contacts'], params: IdParams, body: Strict({ body: Type.String({ minLength: 1, maxLength: 20_000 }) }) }, config: everyone }, async (request, reply) =>
    reply.status(201).send(await contacts.addNote((request.params as { id: number }).id, actorOf(request).id, (request.body as { body: string }).body)));

  app.get('/contacts/:id/conversations', {
    schema: { tags: ['contacts'], summary: 'The card\'s conversations on every channel the caller may see', params: IdParams, querystring: Strict({ cursor: Cursor, limit: Limit }) },
    config: { access: ['admin', 'operator'] },
  }, async (request) => {
    const { id } = request.params as { id: number };
    await contacts.get(id);
    return services.conversations.list(actorOf(request), { limit: 50, ...(request.query as { cursor?: string; limit?: number }), contactId: id });
  });

  app.post('/contacts/:id/merge', {
    schema: { tags: ['contacts'], summary: 'Merge another card into this one (one transaction); the other card is deleted', params: IdParams, body: Strict({ sourceId: Type.Integer({ minimum: 1 }) }) },
    config: { access: ['admin', 'operator'] },
  }, (request) => services.merge.merge((request.params as { id: number }).id, (request.body as { sourceId: number }).sourceId));
}
