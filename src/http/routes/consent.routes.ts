import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ConsentInput } from '../../campaigns/consent.service.ts';
import { normalizeIdentity } from '../../contacts/identity.ts';
import { badRequest } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { CONSENT_STATUSES, SUPPRESSION_REASONS, type SuppressionReason } from '../../store/entities/index.ts';
import { actorOf } from '../plugins/auth.plugin.ts';
import { Cursor, IdParams, Limit, Strict } from '../schemas.ts';

const Channel = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z-]*$', description: 'email, sms, telegram, whatsapp, …' });

/** The identity kind an address on a channel is kept as: phones for SMS and WhatsApp, emails for email. */
const addressKind = (channel: string) => (channel === 'sms' || channel === 'whatsapp' ? 'phone' : channel);

export async function consentRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { consent } = services;

  app.get('/contacts/:id/consents', {
    schema: { tags: ['contacts'], summary: 'Consent now ({ channel: opt-in | opt-out }) and the full history', params: IdParams },
    config: { access: ['admin', 'operator', 'marketer'] },
  }, (request) => consent.history((request.params as { id: number }).id));

  app.post('/contacts/:id/consents', {
    schema: { tags: ['contacts'], summary: 'Record an opt-in or opt-out: channel, how (source) and which text was agreed to', params: IdParams, body: Strict({ channel: Channel, status: Type.Union(CONSENT_STATUSES.map((s) => Type.Literal(s))), source: Type.String({ minLength: 1, maxLength: 200 }), text: Type.Optional(Type.String({ maxLength: 10_000 })) }) },
    config: { access: ['admin', 'operator', 'marketer'] },
  }, async (request, reply) => reply.status(201).send(await consent.record((request.params as { id: number }).id, { ...(request.body as ConsentInput), operatorId: actorOf(request).id })));

  app.get('/suppressions', {
    schema: { tags: ['campaigns'], summary: 'The suppression list, newest first', querystring: Strict({ channel: Type.Optional(Channel), reason: Type.Optional(Type.Union(SUPPRESSION_REASONS.map((r) => Type.Literal(r)))), q: Type.Optional(Type.String({ maxLength: 200 })), cursor: Cursor, limit: Limit }) },
    config: { access: ['admin', 'marketer'] },
  }, (request) => consent.listSuppressions({ limit: 50, ...(request.query as { channel?: string; q?: string; cursor?: string; limit?: number }) }));

  app.post('/suppressions', {
    schema: { tags: ['campaigns'], summary: 'Never send campaigns to this address on this channel', body: Strict({ channel: Channel, address: Type.String({ minLength: 1, maxLength: 255 }), reason: Type.Optional(Type.Union(SUPPRESSION_REASONS.map((r) => Type.Literal(r)))), note: Type.Optional(Type.String({ maxLength: 2000 })) }) },
    config: { access: ['admin', 'marketer'] },
  }, async (request, reply) => {
    const body = request.body as { channel: string; address: string; reason?: SuppressionReason; note?: string };
    let address = body.address.trim();
    try {
      if (['phone', 'email'].includes(addressKind(body.channel))) address = normalizeIdentity(addressKind(body.channel), address).value;
    } catch (error) {
      throw badRequest((error as Error).message);
    }
    const { suppression, created } = await consent.suppress(body.channel, address, body.reason ?? 'manual', { note: body.note });
    return reply.status(created ? 201 : 200).send(suppression);
  });

  app.delete('/suppressions/:id', { schema: { tags: ['campaigns'], params: IdParams }, config: { access: ['admin', 'marketer'] } }, async (request, reply) => {
    await consent.unsuppress((request.params as { id: number }).id);
    return reply.status(204).send();
  });
}
