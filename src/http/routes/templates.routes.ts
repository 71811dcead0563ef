import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { smsSegments } from '../../../channels/sms/sms-segments.ts';
import { BODY_CHANNELS } from '../../campaigns/template-engine.ts';
import type { Services } from '../../services.ts';
import type { TemplateBodies } from '../../store/entities/index.ts';
import { actorOf } from '../plugins/auth.plugin.ts';
import { IdParams, Name, Strict } from '../schemas.ts';

const marketing = { access: ['admin', 'marketer'] as const };
const ChannelBody = Strict({
  subject: Type.Optional(Type.String({ maxLength: 998 })),
  text: Type.Optional(Type.String({ maxLength: 100_000 })),
  html: Type.Optional(Type.String({ maxLength: 500_000 })),
  whatsappTemplate: Type.Optional(Strict({ name: Type.String({ minLength: 1, maxLength: 512 }), language: Type.String({ minLength: 2, maxLength: 15 }), parameters: Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 20 }) })),
}, { description: 'Liquid templates: email needs subject + html and/or text; SMS text; Telegram/WhatsApp text; WhatsApp Cloud text or an approved template' });
export const Bodies = Strict(Object.fromEntries(BODY_CHANNELS.map((c) => [c, Type.Optional(ChannelBody)])), { description: `A body per channel kind (${BODY_CHANNELS.join(', ')}); "default" serves channels without their own` });

export async function templatesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { templates } = services;

  app.get('/templates', { schema: { tags: ['campaigns'] }, config: marketing }, () => templates.list());
  app.get('/templates/:id', { schema: { tags: ['campaigns'], params: IdParams }, config: marketing }, (request) => templates.get((request.params as { id: number }).id));

  app.post('/templates', { schema: { tags: ['campaigns'], summary: 'Save a template; any unknown variable or filter, or a syntax error, is a 400', body: Strict({ name: Name(), bodies: Bodies }) }, config: marketing }, async (request, reply) =>
    reply.status(201).send(await templates.create(request.body as { name: string; bodies: TemplateBodies })));

  app.patch('/templates/:id', { schema: { tags: ['campaigns'], params: IdParams, body: Strict({ name: Type.Optional(Name()), bodies: Type.Optional(Bodies) }) }, config: marketing }, (request) =>
    templates.update((request.params as { id: number }).id, request.body as { name?: string; bodies?: TemplateBodies }));

  app.delete('/templates/:id', { schema: { tags: ['campaigns'], params: IdParams }, config: marketing }, async (request, reply) => {
    await templates.remove((request.params as { id: number }).id);
    return reply.status(204).send();
  });

  app.post('/templates/validate', {
    schema: { tags: ['campaigns'], summary: 'Check bodies without saving: { valid, problems: [{ channel, field, message }] }', body: Strict({ bodies: Bodies }) },
    config: marketing,
  }, (request) => templates.validate((request.body as { bodies: TemplateBodies }).bodies));

  app.post('/templates/preview', {
    schema: { tags: ['campaigns'], summary: 'Render a saved template (templateId) or unsaved bodies for a real card; SMS texts come with their segment count', body: Strict({ templateId: Type.Optional(Type.Integer({ minimum: 1 })), bodies: Type.Optional(Bodies), contactId: Type.Integer({ minimum: 1 }), channel: Type.Optional(Type.String({ maxLength: 32 })) }) },
    config: marketing,
  }, (request) => templates.preview(request.body as { templateId?: number; bodies?: TemplateBodies; contactId: number; channel?: string }));

  app.post('/templates/:id/test-send', {
    schema: { tags: ['campaigns'], summary: 'Send the template to yourself through an inbox (to: your address there; email defaults to your login)', params: IdParams, body: Strict({ inboxId: Type.Integer({ minimum: 1 }), to: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), contactId: Type.Optional(Type.Integer({ minimum: 1 })) }) },
    config: marketing,
  }, (request) => templates.testSend((request.params as { id: number }).id, request.body as { inboxId: number; to?: string; contactId?: number }, actorOf(request)));

  app.post('/sms/segments', {
    schema: { tags: ['campaigns'], summary: 'How many SMS a text costs: GSM-7 or UCS-2, units, segments, the parts', body: Strict({ text: Type.String({ maxLength: 10_000 }) }) },
    config: { access: ['admin', 'operator', 'marketer'] },
  }, (request) => smsSegments((request.body as { text: string }).text));
}
