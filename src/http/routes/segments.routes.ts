import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { CUSTOM_FIELD_OPS, type SegmentFilter } from '../../campaigns/segment-filter.ts';
import type { Services } from '../../services.ts';
import { IdParams, Name, Strict } from '../schemas.ts';

const marketing = { access: ['admin', 'marketer'] as const };
const Tags = Type.Array(Name(64), { maxItems: 100 });
const Kinds = Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 20 });
const Range = Strict({
  after: Type.Optional(Type.String({ format: 'date-time' })),
  before: Type.Optional(Type.String({ format: 'date-time' })),
  withinDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 36_500 })),
  olderThanDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 36_500 })),
  never: Type.Optional(Type.Boolean()),
});
const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]);
export const Filter = Strict({
  tagsAny: Type.Optional(Tags),
  tagsAll: Type.Optional(Tags),
  tagsNone: Type.Optional(Tags),
  customFields: Type.Optional(Type.Array(Strict({
    field: Type.String({ minLength: 1, maxLength: 64 }),
    op: Type.Union(CUSTOM_FIELD_OPS.map((o) => Type.Literal(o))),
    value: Type.Optional(Type.Union([Scalar, Type.Array(Type.Union([Type.String({ maxLength: 1000 }), Type.Number()]), { maxItems: 200 })])),
  }), { maxItems: 50 })),
  has: Type.Optional(Kinds),
  hasNot: Type.Optional(Kinds),
  lastActivity: Type.Optional(Range),
  created: Type.Optional(Range),
  birthdayMonths: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 12 }), { maxItems: 12 })),
  languages: Type.Optional(Type.Array(Type.String({ minLength: 2, maxLength: 35 }), { maxItems: 50 })),
}, { description: 'Every condition given must hold; see README "Segments"' });

export async function segmentsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { segments } = services;

  app.get('/segments', { schema: { tags: ['campaigns'] }, config: marketing }, () => segments.list());
  app.get('/segments/:id', { schema: { tags: ['campaigns'], params: IdParams }, config: marketing }, (request) => segments.get((request.params as { id: number }).id));

  app.post('/segments', { schema: { tags: ['campaigns'], body: Strict({ name: Name(), filter: Filter }) }, config: marketing }, async (request, reply) =>
    reply.status(201).send(await segments.create(request.body as { name: string; filter: SegmentFilter })));

  app.patch('/segments/:id', { schema: { tags: ['campaigns'], params: IdParams, body: Strict({ name: Type.Optional(Name()), filter: Type.Optional(Filter) }) }, config: marketing }, (request) =>
    segments.update((request.params as { id: number }).id, request.body as { name?: string; filter?: SegmentFilter }));

  app.delete('/segments/:id', { schema: { tags: ['campaigns'], params: IdParams }, config: marketing }, async (request, reply) => {
    await segments.remove((request.params as { id: number }).id);
    return reply.status(204).send();
  });

  app.post('/segments/count', {
    schema: { tags: ['campaigns'], summary: 'Count an unsaved filter (the builder\'s live count), with a few matching cards', body: Strict({ filter: Filter }) },
    config: marketing,
  }, async (request) => {
    const { filter } = request.body as { filter: SegmentFilter };
    return { count: await segments.count(filter), sample: await segments.sample(filter) };
  });

  app.get('/segments/:id/count', { schema: { tags: ['campaigns'], params: IdParams }, config: marketing }, async (request) => {
    const { filter } = await segments.get((request.params as { id: number }).id);
    return { count: await segments.count(filter), sample: await segments.sample(filter) };
  });
}
