import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { contactChannels, conversationOnChannel } from '../../inbox/contact-channels.ts';
import type { ReplyInput } from '../../inbox/reply.service.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../plugins/auth.plugin.ts';
import { IdParams, Strict } from '../schemas.ts';
import { ReplyFields } from '../reply-fields.ts';

const inboxStaff = { access: ['admin', 'operator'] as const };
const { private: _note, replyToMessageId: _quote, ...SendFields } = ReplyFields;

/**
 * Replying to a client card on a channel of the operator's choice (the reply box's channel picker): into the card's
 * conversation on that inbox, or a new outbound conversation to the card's identity on that channel.
 */
export async function contactMessagesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/contacts/:id/channels', {
    schema: { tags: ['contacts'], summary: 'The inboxes (that the caller may see) a reply to this card can go out on, those it has conversations in first', params: IdParams },
    config: inboxStaff,
  }, (request) => contactChannels(services.orm.em.fork(), actorOf(request), (request.params as { id: number }).id));

  app.post('/contacts/:id/messages', {
    schema: {
      tags: ['contacts'],
      summary: 'Send a reply to the card on this inbox: in its conversation there, or a new one (422 NO_IDENTITY_FOR_CHANNEL when the card cannot be reached there)',
      params: IdParams,
      body: Strict({ inboxId: Type.Integer({ minimum: 1 }), ...SendFields }),
    },
    config: inboxStaff,
  }, async (request, reply) => {
    const actor = actorOf(request);
    const { inboxId, ...input } = request.body as ReplyInput & { inboxId: number };
    const message = await services.replies.reply(actor, conversationOnChannel(actor, (request.params as { id: number }).id, inboxId), input);
    const conversation = await services.conversations.get(actor, message.conversationId);
    return reply.status(201).send({ conversation, message });
  });
}
