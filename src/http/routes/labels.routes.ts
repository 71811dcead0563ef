import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { LabelInput } from '../../inbox/labels.service.ts';
import type { Services } from '../../services.ts';
import { IdParams, Nullable, Strict } from '../schemas.ts';

const LabelName = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S', description: 'What conversations carry; unique' });
const Color = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'A hex colour, #rrggbb' });
const Description = Nullable(Type.String({ maxLength: 500 }));

/** The label catalogue: operators read it (the label picker suggests from it), admins manage it. */
export async function labelsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/labels', { schema: { tags: ['labels'], summary: 'The label catalogue, by name' }, config: { access: ['admin', 'operator'] } }, () => services.labels.list());

  app.post('/labels', { schema: { tags: ['labels'], body: Strict({ name: LabelName, color: Color, description: Type.Optional(Description) }) }, config: { access: ['admin'] } }, async (request, reply) =>
    reply.status(201).send(await services.labels.create(request.body as { name: string; color: string; description?: string | null })));

  app.patch('/labels/:id', {
    schema: { tags: ['labels'], summary: 'Rename (every conversation carrying it follows), recolour or describe', params: IdParams, body: Strict({ name: Type.Optional(LabelName), color: Type.Optional(Color), description: Type.Optional(Description) }) },
    config: { access: ['admin'] },
  }, (request) => services.labels.update((request.params as { id: number }).id, request.body as LabelInput));

  app.delete('/labels/:id', { schema: { tags: ['labels'], summary: 'Delete it and take it off every conversation', params: IdParams }, config: { access: ['admin'] } }, async (request, reply) => {
    await services.labels.remove((request.params as { id: number }).id);
    return reply.status(204).send();
  });
}
