import type { FastifyInstance } from 'fastify';
import { ChannelError } from '../../../channels/channel-error.ts';
import { WhatsAppCloudAdapter } from '../../../channels/whatsapp-cloud/whatsapp-cloud.adapter.ts';
import { AppError, badRequest, notFound } from '../../errors.ts';
import { canSeeInbox } from '../../inbox/access.ts';
import { inboxConfig } from '../../inbox/inboxes.service.ts';
import type { Services } from '../../services.ts';
import { Inbox } from '../../store/entities/index.ts';
import { actorOf } from '../plugins/auth.plugin.ts';
import { IdParams } from '../schemas.ts';

/** What only WhatsApp inboxes offer: the approved templates an operator may send once the 24-hour window has closed. */
export async function whatsappRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/inboxes/:id/whatsapp-templates', {
    schema: { tags: ['inboxes'], summary: 'Approved WhatsApp message templates of a WhatsApp Cloud inbox (read live from the Graph API)', params: IdParams },
    config: { access: ['admin', 'operator', 'marketer'] },
  }, async (request) => {
    const { id } = request.params as { id: number };
    const actor = actorOf(request);
    const em = services.orm.em.fork();
    if (actor.role !== 'marketer' && !(await canSeeInbox(em, actor, id))) throw notFound('Inbox');
    const inbox = await em.findOne(Inbox, id);
    if (!inbox) throw notFound('Inbox');
    const adapter = services.channels.adapterFor(inboxConfig(inbox));
    if (!(adapter instanceof WhatsAppCloudAdapter)) throw badRequest('Only WhatsApp Cloud inboxes have message templates');
    try {
      return { templates: await adapter.templates() };
    } catch (error) {
      const failure = ChannelError.from(error);
      if (failure.code === 'REJECTED') throw badRequest(failure.message);
      throw new AppError('CHANNEL_FAILED', `WhatsApp did not list the templates: ${failure.message}`, { cause: error });
    }
  });
}
