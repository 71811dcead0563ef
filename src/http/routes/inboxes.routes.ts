import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { SUPPORTED_KINDS } from '../../../channels/registry.ts';
import { canSeeInbox } from '../../inbox/access.ts';
import type { InboxInput } from '../../inbox/inboxes.service.ts';
import { notFound } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../plugins/auth.plugin.ts';
import { IdParams, Name, Strict } from '../schemas.ts';

const Ids = Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 1000 });
const Settings = Type.Record(Type.String(), Type.Unknown(), { description: 'Channel settings, e.g. { "callbackUrl": "https://…" } for an API inbox' });
const Kind = Type.Union(SUPPORTED_KINDS.map((k) => Type.Literal(k)));
const Credentials = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 4096 }), { description: 'Write-only channel credentials, e.g. { "botToken": "…" } for Telegram' });

export async function inboxesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/inboxes', { schema: { tags: ['inboxes'], summary: 'Inboxes the caller may see' }, config: { access: ['admin', 'operator'] } }, (request) => services.inboxes.list(actorOf(request)));

  app.get('/inboxes/kinds', { schema: { tags: ['inboxes'], summary: 'The channel kinds this server can run (for the new-inbox form)' }, config: { access: ['admin'] } }, () => ({ kinds: SUPPORTED_KINDS.filter((kind) => kind !== 'test') }));

  app.get('/inboxes/:id', { schema: { tags: ['inboxes'], params: IdParams }, config: { access: ['admin', 'operator'] } }, async (request) => {
    const { id } = request.params as { id: number };
    const actor = actorOf(request);
    if (!(await canSeeInbox(services.orm.em.fork(), actor, id))) throw notFound('Inbox');
    return services.inboxes.get(id, actor.role === 'admin');
  });

  app.post('/inboxes/test-connection', {
    schema: {
      tags: ['inboxes'],
      summary: 'Check a new inbox\'s settings with its channel (each connection: worked or what failed); saves nothing',
      body: Strict({ kind: Kind, name: Type.Optional(Name()), settings: Type.Optional(Settings), credentials: Type.Optional(Credentials), memberIds: Type.Optional(Ids), teamIds: Type.Optional(Ids) }),
    },
    config: { access: ['admin'] },
  }, (request) => services.inboxes.testConnection(request.body as InboxInput));

  app.post('/inboxes/:id/test-connection', {
    schema: {
      tags: ['inboxes'],
      summary: 'Check changed settings of a saved inbox (stored credentials fill in what is left out); saves nothing',
      params: IdParams,
      body: Strict({ name: Type.Optional(Name()), settings: Type.Optional(Settings), credentials: Type.Optional(Credentials), memberIds: Type.Optional(Ids), teamIds: Type.Optional(Ids) }),
    },
    config: { access: ['admin'] },
  }, (request) => services.inboxes.testConnection(request.body as InboxInput, (request.params as { id: number }).id));

  app.post('/inboxes', {
    schema: { tags: ['inboxes'], summary: 'Create an inbox; the response carries its secret once', body: Strict({ kind: Kind, name: Name(), settings: Type.Optional(Settings), credentials: Type.Optional(Credentials), memberIds: Type.Optional(Ids), teamIds: Type.Optional(Ids) }) },
    config: { access: ['admin'] },
  }, async (request, reply) => reply.status(201).send(await services.inboxes.create(request.body as InboxInput & { kind: string; name: string })));

  app.patch('/inboxes/:id', {
    schema: { tags: ['inboxes'], params: IdParams, body: Strict({ name: Type.Optional(Name()), settings: Type.Optional(Settings), credentials: Type.Optional(Credentials), memberIds: Type.Optional(Ids), teamIds: Type.Optional(Ids) }) },
    config: { access: ['admin'] },
  }, (request) => services.inboxes.update((request.params as { id: number }).id, request.body as InboxInput));

  app.post('/inboxes/:id/rotate-secret', { schema: { tags: ['inboxes'], params: IdParams }, config: { access: ['admin'] } }, (request) => services.inboxes.rotateSecret((request.params as { id: number }).id));

  app.delete('/inboxes/:id', { schema: { tags: ['inboxes'], params: IdParams }, config: { access: ['admin'] } }, async (request, reply) => {
    await services.inboxes.remove((request.params as { id: number }).id);
    return reply.status(204).send();
  });
}
