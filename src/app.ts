import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { fanOut, pushChannelStates } from './gateway/fan-out.ts';
import { attachMarketerGateway, campaignFanOut } from './gateway/marketer.gateway.ts';
import { attachOperatorGateway } from './gateway/operator.gateway.ts';
import { sameSiteOnly } from './gateway/origin-guard.ts';
import { OPERATOR_NAMESPACE } from './gateway/rooms.ts';
import { attachWidgetGateway } from './gateway/widget.gateway.ts';
import { MARKETER_NAMESPACE } from './gateway/marketer.gateway.ts';
import { closeSocketAdapters, socketAdapter } from './gateway/redis-adapter.ts';
import { createMetrics } from './http/metrics.ts';
import { authPlugin } from './http/plugins/auth.plugin.ts';
import { errorsPlugin } from './http/plugins/errors.plugin.ts';
import { apiChannelRoutes } from './http/routes/api-channel.routes.ts';
import { attachmentsRoutes } from './http/routes/attachments.routes.ts';
import { channelWebhookRoutes } from './http/routes/channel-webhook.routes.ts';
import { authRoutes } from './http/routes/auth.routes.ts';
import { cannedResponsesRoutes } from './http/routes/canned-responses.routes.ts';
import { contactLinksRoutes } from './http/routes/contact-links.routes.ts';
import { contactsRoutes } from './http/routes/contacts.routes.ts';
import { contactsCsvRoutes } from './http/routes/contacts-csv.routes.ts';
import { conversationsRoutes } from './http/routes/conversations.routes.ts';
import { healthRoutes } from './http/routes/health.routes.ts';
import { inboxesRoutes } from './http/routes/inboxes.routes.ts';
import { operatorsRoutes } from './http/routes/operators.routes.ts';
import { teamsRoutes } from './http/routes/teams.routes.ts';
import { campaignsRoutes } from './http/routes/campaigns.routes.ts';
import { consentRoutes } from './http/routes/consent.routes.ts';
import { segmentsRoutes } from './http/routes/segments.routes.ts';
import { templatesRoutes } from './http/routes/templates.routes.ts';
import { unsubscribeRoutes } from './http/routes/unsubscribe.routes.ts';
import { widgetRoutes } from './http/routes/widget.routes.ts';
import { validatorCompiler } from './http/validation.ts';
import { whatsappRoutes } from './http/routes/whatsapp.routes.ts';
import { operatorAppPlugin } from './http/operator-app.plugin.ts';
import type { Services } from './services.ts';

export interface AppDeps {
  services: Services;
  /** A Redis connection for rate limits, readiness, and the Socket.io streams adapter. */
  redis: Redis;
  logger?: boolean | { level: string };
}

declare module 'fastify' {
  interface FastifyInstance {
    io: Server;
  }
}

/** Builds the HTTP API and the operator socket; never listens (tests boot it in-process). */
export async function buildApp({ services, redis, logger = false }: AppDeps): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON only: a text/plain body gets 415 like any other type, not a confusing "must be object".
  app.removeContentTypeParser('text/plain');
  const metrics = createMetrics();

  await app.register(errorsPlugin);
  await app.register(cookie);
  await app.register(rateLimit, { global: false, redis, nameSpace: `${config.REDIS_PREFIX}:rate-limit:` });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Omnichannel CRM API', version: '0.1.0', description: 'Operator REST API and the API channel. Errors are `{ "error": { "code", "message" } }`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'crm_session' } } },
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(authPlugin, { sessions: services.sessions });

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.observe({ method: request.method, route: request.routeOptions.url ?? 'unknown', status: reply.statusCode }, reply.elapsedTime / 1000);
  });

  await app.register(healthRoutes, { services, redis, metrics });
  await app.register(
    async (api) => {
      for (const routes of [authRoutes, operatorsRoutes, teamsRoutes, inboxesRoutes, conversationsRoutes, contactsRoutes, contactsCsvRoutes, cannedResponsesRoutes, apiChannelRoutes, channelWebhookRoutes, attachmentsRoutes, templatesRoutes, segmentsRoutes, campaignsRoutes, consentRoutes, contactLinksRoutes, whatsappRoutes]) {
        await api.register(routes, { services });
      }
    },
    { prefix: '/api/v1' },
  );
  await app.register(unsubscribeRoutes, { services });
  await app.register(widgetRoutes, { services });
  await app.register(operatorAppPlugin);

  const origins = new Set([new URL(config.PUBLIC_URL).origin, ...config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean)]);
  const adapterRedis = redis.duplicate();
  const io = new Server(app.server, {
    cors: { origin: [...origins], credentials: true },
    adapter: socketAdapter(adapterRedis, config.REDIS_PREFIX),
  });
  app.decorate('io', io);
  // Widget visitors connect from any site that embeds it (the widget namespace checks each inbox's allowed
  // origins), so a foreign Origin is refused per namespace, before the operators' and marketers' own checks.
  for (const name of [OPERATOR_NAMESPACE, MARKETER_NAMESPACE]) io.of(name).use(sameSiteOnly(origins));
  services.visitors.bind(io);
  const widget = attachWidgetGateway(io, { orm: services.orm, sink: services.sink, attachments: services.attachments, redis, redisPrefix: config.REDIS_PREFIX, publicUrl: config.PUBLIC_URL });
  const gateway = attachOperatorGateway(io, services);
  services.access.changed = () => gateway.refreshRooms();
  const marketers = attachMarketerGateway(io, services);
  services.access.operatorChanged = (id) => {
    gateway.disconnectOperator(id);
    marketers.disconnectOperator(id);
  };
  const stopFanOut = fanOut(io, services.events, (type) => metrics.inboxEvents.inc({ type }));
  const stopCampaignFanOut = campaignFanOut(io, services.campaignEvents);
  const stopStates = pushChannelStates(io, services.channelStates);

  app.addHook('onClose', async () => {
    stopFanOut();
    stopCampaignFanOut();
    stopStates();
    widget.close();
    io.local.disconnectSockets(true);
    // Tell the other servers this node is gone (ADAPTER_CLOSE), or their fetchSockets() waits for it until a heartbeat timeout.
    await closeSocketAdapters(io);
    adapterRedis.disconnect();
  });
  return app;
}
