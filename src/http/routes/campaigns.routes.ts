import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { CampaignInput } from '../../campaigns/campaigns.service.ts';
import type { Services } from '../../services.ts';
import { CAMPAIGN_KINDS, CAMPAIGN_STATES, RECIPIENT_STATUSES } from '../../store/entities/index.ts';
import { actorOf } from '../plugins/auth.plugin.ts';
import { Cursor, IdParams, Limit, Name, Nullable, Strict } from '../schemas.ts';

const marketing = { access: ['admin', 'marketer'] as const };
const TimeOfDay = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });
const Channels = Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 10, description: 'Inbox ids in fallback order' });
const Fields = {
  name: Type.Optional(Name()),
  kind: Type.Optional(Type.Union(CAMPAIGN_KINDS.map((k) => Type.Literal(k)))),
  templateId: Type.Optional(Type.Integer({ minimum: 1 })),
  segmentId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  channels: Type.Optional(Channels),
  scheduledAt: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'YYYY-MM-DDTHH:MM local to `timezone`, or an ISO timestamp with offset' }))),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  quietHours: Type.Optional(Nullable(Strict({ start: TimeOfDay, end: TimeOfDay }))),
  sendTime: Type.Optional(Nullable(TimeOfDay)),
  trackOpens: Type.Optional(Type.Boolean()),
  trackClicks: Type.Optional(Type.Boolean()),
  requireOptIn: Type.Optional(Type.Boolean()),
};

export async function campaignsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { campaigns } = services;
  const id = (request: { params: unknown }) => (request.params as { id: number }).id;

  app.get('/campaigns', {
    schema: { tags: ['campaigns'], querystring: Strict({ state: Type.Optional(Type.Union(CAMPAIGN_STATES.map((s) => Type.Literal(s)))), kind: Type.Optional(Type.Union(CAMPAIGN_KINDS.map((k) => Type.Literal(k)))) }) },
    config: marketing,
  }, (request) => campaigns.list(request.query as never));

  app.post('/campaigns', {
    schema: { tags: ['campaigns'], summary: 'Create a draft', body: Strict({ ...Fields, name: Name(), templateId: Type.Integer({ minimum: 1 }), channels: Channels }) },
    config: marketing,
  }, async (request, reply) => reply.status(201).send(await campaigns.create(request.body as CampaignInput & { name: string; templateId: number; channels: number[] }, actorOf(request).id)));

  // Marketers may not list inboxes (GET /inboxes carries settings and members); the wizard needs only these three fields.
  app.get('/campaigns/channels', { schema: { tags: ['campaigns'], summary: 'The inboxes a campaign can send through: [{ id, kind, name }]' }, config: marketing }, () => campaigns.channels());

  app.get('/campaigns/:id', { schema: { tags: ['campaigns'], params: IdParams }, config: marketing }, (request) => campaigns.get(id(request)));

  app.patch('/campaigns/:id', { schema: { tags: ['campaigns'], summary: 'Edit a draft or scheduled campaign', params: IdParams, body: Strict(Fields) }, config: marketing }, (request) =>
    campaigns.update(id(request), request.body as CampaignInput));

  app.delete('/campaigns/:id', { schema: { tags: ['campaigns'], summary: 'Delete a draft', params: IdParams }, config: marketing }, async (request, reply) => {
    await campaigns.remove(id(request));
    return reply.status(204).send();
  });

  app.post('/campaigns/:id/estimate', {
    schema: { tags: ['campaigns'], summary: 'How many would receive it now, per channel, and how many are skipped and why (the confirmation step)', params: IdParams },
    config: marketing,
  }, (request) => campaigns.estimate(id(request)));

  for (const action of ['start', 'pause', 'resume', 'cancel'] as const) {
    app.post(`/campaigns/:id/${action}`, { schema: { tags: ['campaigns'], params: IdParams }, config: marketing }, (request) => campaigns[action](id(request)));
  }

  app.get('/campaigns/:id/stats', { schema: { tags: ['campaigns'], summary: 'Counts by status and channel (the same shape as the campaign.progress push)', params: IdParams }, config: marketing }, (request) =>
    campaigns.stats(id(request)));

  app.get('/campaigns/:id/recipients', {
    schema: { tags: ['campaigns'], summary: 'The send ledger, filtered by status (e.g. failed, with reasons)', params: IdParams, querystring: Strict({ status: Type.Optional(Type.Union(RECIPIENT_STATUSES.map((s) => Type.Literal(s)))), cursor: Cursor, limit: Limit }) },
    config: marketing,
  }, (request) => campaigns.recipients(id(request), { limit: 50, ...(request.query as { status?: string; cursor?: string; limit?: number }) }));
}
