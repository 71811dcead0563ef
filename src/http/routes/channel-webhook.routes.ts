import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { notFound } from '../../errors.ts';
import { inboxConfig } from '../../inbox/inboxes.service.ts';
import type { Services } from '../../services.ts';
import { Inbox } from '../../store/entities/index.ts';
import { Strict } from '../schemas.ts';

/**
 * `/api/v1/channels/:inboxId/webhook`: where channels push to us (Telegram updates, WhatsApp Cloud
 * events). The body is kept as raw bytes and handed to the inbox's adapter, which checks the channel's
 * secret or signature over exactly those bytes before it parses anything.
 */
export async function channelWebhookRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.route({
    method: ['GET', 'POST'],
    url: '/channels/:inboxId/webhook',
    schema: { tags: ['channels'], summary: 'Webhook for channels that push to us; each adapter checks its own secret or signature', params: Strict({ inboxId: Type.Integer({ minimum: 1 }) }) },
    config: { access: 'token' },
    handler: async (request, reply) => {
      const { inboxId } = request.params as { inboxId: number };
      const inbox = await services.orm.em.fork().findOne(Inbox, inboxId);
      if (!inbox) throw notFound('Inbox');
      const adapter = await services.channels.receiving(inboxConfig(inbox));
      if (!adapter.webhook) throw notFound('Webhook for this inbox');
      const result = await adapter.webhook({
        method: request.method,
        headers: request.headers,
        query: request.query as Record<string, string | undefined>,
        rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      });
      return reply.status(result.status).send(result.body ?? '');
    },
  });
}
