import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { NormalizedInbound } from '../../../channels/channel-adapter.ts';
import { AppError } from '../../errors.ts';
import { tokenDigest } from '../../inbox/inboxes.service.ts';
import type { Services } from '../../services.ts';
import { Strict } from '../schemas.ts';

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Params = Strict({ inboxId: Type.Integer({ minimum: 1 }) });

const InboundBody = Strict({
  externalMessageId: Text(255),
  externalThreadId: Type.Optional(Text(255)),
  sender: Strict({
    // Stored as the identity "<inboxId>:<externalUserId>" in a varchar(255): leave room for the prefix.
    externalUserId: Text(240),
    name: Type.Optional(Text(200)),
    phone: Type.Optional(Text(40)),
    email: Type.Optional(Text(254)),
    username: Type.Optional(Text(200)),
  }),
  text: Type.Optional(Type.String({ maxLength: 65_536 })),
  html: Type.Optional(Type.String({ maxLength: 262_144 })),
  attachments: Type.Optional(Type.Array(Strict({ url: Type.String({ format: 'uri', maxLength: 2048 }), name: Type.Optional(Text(255)), contentType: Type.Optional(Text(127)), size: Type.Optional(Type.Integer({ minimum: 0 })) }), { maxItems: 20 })),
  replyToExternalId: Type.Optional(Text(255)),
  sentAt: Type.Optional(Type.String({ format: 'date-time' })),
}, { description: 'One customer message, normalised' });

const StatusBody = Strict({
  externalMessageId: Text(255),
  status: Type.Union([Type.Literal('delivered'), Type.Literal('read'), Type.Literal('failed')]),
  reason: Type.Optional(Text(1000)),
});



/**
 * The API channel's inbound side: an integration posts normalised messages with its inbox token
 * (`Authorization: Bearer <secret>`). The token is checked in constant time, before the body is read.
 */
export async function apiChannelRoutes(app: FastifyInstance, { services }: { services: Services }) {
  async function checkToken(request: FastifyRequest) {
    const inboxId = Number((request.params as { inboxId: string }).inboxId);
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const expected = Number.isSafeInteger(inboxId) && inboxId > 0 ? await services.inboxes.apiTokenDigest(inboxId) : null;
    // Compare digests so the comparison is constant-time whatever the lengths.
    const valid = expected !== null && token !== undefined && timingSafeEqual(tokenDigest(token), expected);
    if (!valid) throw new AppError('UNAUTHENTICATED', 'Unknown API inbox or wrong token: send Authorization: Bearer <inbox secret>');
  }

  app.post('/channels/api/:inboxId/messages', {
    schema: { tags: ['api channel'], summary: 'Post a customer message; replaying the same externalMessageId stores it once', params: Params, body: InboundBody },
    config: { access: 'token' },
    onRequest: checkToken,
  }, async (request, reply) => {
    const { inboxId } = request.params as { inboxId: number };
    const body = request.body as Omit<NormalizedInbound, 'inboxId' | 'sentAt' | 'attachments'> & { sentAt?: string; attachments?: NormalizedInbound['attachments'] };
    const result = await services.ingest.message({ ...body, inboxId, attachments: body.attachments ?? [], sentAt: body.sentAt ? new Date(body.sentAt) : new Date() });
    return reply.status(result.duplicate ? 200 : 201).send({ messageId: result.message.id, conversationId: result.conversationId, contactId: result.contactId, duplicate: result.duplicate });
  });

  app.post('/channels/api/:inboxId/statuses', {
    schema: { tags: ['api channel'], summary: 'Report delivery of a reply (by the externalId your callback returned, or its deliveryId)', params: Params, body: StatusBody },
    config: { access: 'token' },
    onRequest: checkToken,
  }, async (request) => {
    const { inboxId } = request.params as { inboxId: number };
    const body = request.body as { externalMessageId: string; status: 'delivered' | 'read' | 'failed'; reason?: string };
    return services.ingest.status({ inboxId, ...body, at: new Date() });
  });
}
