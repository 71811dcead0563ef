import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Services } from '../../services.ts';
import { IdParams, Name, Strict } from '../schemas.ts';

const MemberIds = Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 1000 });

export async function teamsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/teams', { schema: { tags: ['teams'] }, config: { access: ['admin', 'operator'] } }, () => services.teams.list());

  app.post('/teams', { schema: { tags: ['teams'], body: Strict({ name: Name(), memberIds: Type.Optional(MemberIds) }) }, config: { access: ['admin'] } }, async (request, reply) => {
    const team = await services.teams.save(null, request.body as { name: string; memberIds?: number[] });
    await services.access.changed();
    return reply.status(201).send(team);
  });

  app.patch('/teams/:id', { schema: { tags: ['teams'], params: IdParams, body: Strict({ name: Type.Optional(Name()), memberIds: Type.Optional(MemberIds) }) }, config: { access: ['admin'] } }, async (request) => {
    const team = await services.teams.save((request.params as { id: number }).id, request.body as { name?: string; memberIds?: number[] });
    await services.access.changed();
    return team;
  });

  app.delete('/teams/:id', { schema: { tags: ['teams'], params: IdParams }, config: { access: ['admin'] } }, async (request, reply) => {
    await services.teams.remove((request.params as { id: number }).id);
    await services.access.changed();
    return reply.status(204).send();
  });
}
