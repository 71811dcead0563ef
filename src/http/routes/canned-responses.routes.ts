import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Services } from '../../services.ts';
import { IdParams, Strict } from '../schemas.ts';

const ShortCode = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Typed after "/" in the reply box' });
const Content = Type.String({ minLength: 1, maxLength: 10_000 });

export async function cannedResponsesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/canned-responses', { schema: { tags: ['canned responses'], querystring: Strict({ prefix: Type.Optional(Type.String({ maxLength: 64 })) }) }, config: { access: ['admin', 'operator'] } }, (request) =>
    services.canned.list((request.query as { prefix?: string }).prefix));

  app.post('/canned-responses', { schema: { tags: ['canned responses'], body: Strict({ shortCode: ShortCode, content: Content }) }, config: { access: ['admin'] } }, async (request, reply) =>
    reply.status(201).send(await services.canned.save(null, request.body as { shortCode: string; content: string })));

  app.patch('/canned-responses/:id', { schema: { tags: ['canned responses'], params: IdParams, body: Strict({ shortCode: Type.Optional(ShortCode), content: Type.Optional(Content) }) }, config: { access: ['admin'] } }, (request) =>
    services.canned.save((request.params as { id: number }).id, request.body as { shortCode?: string; content?: string }));

  app.delete('/canned-responses/:id', { schema: { tags: ['canned responses'], params: IdParams }, config: { access: ['admin'] } }, async (request, reply) => {
    await services.canned.remove((request.params as { id: number }).id);
    return reply.status(204).send();
  });
}
