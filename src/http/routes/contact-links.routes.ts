import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { contactLink } from '../../contacts/contact-claim.ts';
import { notFound } from '../../errors.ts';
import { canSeeInbox } from '../../inbox/access.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../plugins/auth.plugin.ts';
import { Strict } from '../schemas.ts';

/**
 * `GET /inboxes/:id/contact-links/:contactId`: a Telegram deep link (`https://t.me/<bot>?start=<signed claim>`) that
 * ties whoever opens it to this client card. Operators get links for the inboxes they see; admins and marketers
 * (who reach cards through campaigns) for any.
 */
export async function contactLinksRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/inboxes/:id/contact-links/:contactId', {
    schema: {
      tags: ['inboxes'],
      summary: 'A signed deep link that connects a client card with this Telegram bot',
      params: Strict({ id: Type.Integer({ minimum: 1 }), contactId: Type.Integer({ minimum: 1 }) }),
    },
    config: { access: ['admin', 'operator', 'marketer'] },
  }, async (request) => {
    const { id, contactId } = request.params as { id: number; contactId: number };
    const em = services.orm.em.fork();
    const actor = actorOf(request);
    if (actor.role === 'operator' && !(await canSeeInbox(em, actor, id))) throw notFound('Inbox');
    return contactLink(em, id, contactId);
  });
}
