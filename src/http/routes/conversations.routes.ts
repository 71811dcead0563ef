import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { CONVERSATION_STATUSES } from '../../store/entities/index.ts';
import type { ConversationChanges, ConversationFilter } from '../../inbox/conversation.service.ts';
import type { ReplyInput } from '../../inbox/reply.service.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../plugins/auth.plugin.ts';
import { ReplyFields } from '../reply-fields.ts';
import { contactMessagesRoutes } from './contact-messages.routes.ts';
import { Cursor, IdParams, Limit, Name, Nullable, Strict } from '../schemas.ts';

const Status = Type.Union(CONVERSATION_STATUSES.map((s) => Type.Literal(s)));
const inboxStaff = { access: ['admin', 'operator'] as const };

export async function conversationsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { conversations, replies } = services;

  app.get('/conversations', {
    schema: {
      tags: ['conversations'],
      summary: 'Conversations in the inboxes the caller may see, most recent activity first',
      querystring: Strict({
        status: Type.Optional(Status),
        inboxId: Type.Optional(Type.Integer({ minimum: 1 })),
        assignee: Type.Optional(Type.Union([Type.Literal('me'), Type.Literal('none'), Type.Integer({ minimum: 1 })])),
        teamId: Type.Optional(Type.Integer({ minimum: 1 })),
        label: Type.Optional(Name(64)),
        unread: Type.Optional(Type.Boolean()),
        q: Type.Optional(Type.String({ maxLength: 200, description: 'Contact name, phone or email, or message text (any part, any case)' })),
        cursor: Cursor,
        limit: Limit,
      }),
    },
    config: inboxStaff,
  }, (request) => conversations.list(actorOf(request), { limit: 50, ...(request.query as Partial<ConversationFilter>) }));

  app.get('/conversations/:id', { schema: { tags: ['conversations'], params: IdParams }, config: inboxStaff }, (request) =>
    conversations.get(actorOf(request), (request.params as { id: number }).id));

  app.patch('/conversations/:id', {
    schema: {
      tags: ['conversations'],
      summary: 'Change status (snooze needs snoozedUntil), assignee or team',
      params: IdParams,
      body: Strict({ status: Type.Optional(Status), snoozedUntil: Type.Optional(Type.String({ format: 'date-time' })), assigneeId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))), teamId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))) }),
    },
    config: inboxStaff,
  }, (request) => conversations.update(actorOf(request), (request.params as { id: number }).id, request.body as ConversationChanges));

  app.post('/conversations/:id/labels', { schema: { tags: ['conversations'], params: IdParams, body: Strict({ labels: Type.Array(Name(64), { minItems: 1, maxItems: 50 }) }) }, config: inboxStaff }, (request) =>
    conversations.addLabels(actorOf(request), (request.params as { id: number }).id, (request.body as { labels: string[] }).labels));

  app.delete('/conversations/:id/labels/:label', { schema: { tags: ['conversations'], params: Strict({ id: Type.Integer({ minimum: 1 }), label: Name(64) }) }, config: inboxStaff }, (request) => {
    const { id, label } = request.params as { id: number; label: string };
    return conversations.removeLabel(actorOf(request), id, label);
  });

  app.post('/conversations/:id/read', { schema: { tags: ['conversations'], params: IdParams }, config: inboxStaff }, (request) =>
    conversations.markRead(actorOf(request), (request.params as { id: number }).id));

  app.get('/conversations/:id/messages', { schema: { tags: ['conversations'], summary: 'Newest page first; each page is oldest-first', params: IdParams, querystring: Strict({ cursor: Cursor, limit: Limit }) }, config: inboxStaff }, (request) =>
    conversations.messages(actorOf(request), (request.params as { id: number }).id, { limit: 50, ...(request.query as { cursor?: string; limit?: number }) }));

  app.post('/conversations/:id/messages', {
    schema: {
      tags: ['conversations'],
      summary: 'Reply on the conversation\'s channel, or add a private note (never sent)',
      params: IdParams,
      body: Strict(ReplyFields),
    },
    config: inboxStaff,
  }, async (request, reply) => reply.status(201).send(await replies.reply(actorOf(request), (request.params as { id: number }).id, request.body as ReplyInput)));

  app.post('/conversations/:id/messages/:messageId/retry', {
    schema: {
      tags: ['conversations'],
      summary: 'Send a failed reply again (it goes back to queued); 409 NOT_FAILED unless it failed, 422 NOT_RETRYABLE for a customer message or a note',
      params: Strict({ id: Type.Integer({ minimum: 1 }), messageId: Type.Integer({ minimum: 1 }) }),
    },
    config: inboxStaff,
  }, (request) => {
    const { id, messageId } = request.params as { id: number; messageId: number };
    return replies.retry(actorOf(request), id, messageId);
  });

  // Replying on another of the card's channels belongs with replies (registered here, under the same prefix).
  await contactMessagesRoutes(app, { services });
}
