import type { MikroORM } from '@mikro-orm/core';
import type { UnreachableEvent } from '../../channels/channel-adapter.ts';
import type { InboxEvents } from '../inbox/events.ts';
import { Contact, ContactIdentity } from '../store/entities/index.ts';
import { contactDto } from './contact-dto.ts';
import { normalizeIdentity } from './identity.ts';

/**
 * A channel reported that an address cannot be reached (a hard bounce): the identity on the client card
 * says so, and operators of that inbox see the card change. Unknown addresses are ignored.
 */
export async function markUnreachable(orm: MikroORM, events: InboxEvents, event: UnreachableEvent): Promise<{ updated: boolean }> {
  let key: { kind: string; value: string };
  try {
    key = normalizeIdentity(event.identity.kind, event.identity.value);
  } catch {
    return { updated: false };
  }
  return events.transaction(orm.em.fork(), async (em, record) => {
    const identity = await em.findOne(ContactIdentity, key);
    if (!identity) return { updated: false };
    identity.unreachableReason = event.reason.slice(0, 2000);
    await em.flush();
    const contact = await em.findOneOrFail(Contact, identity.contact.id, { populate: ['identities', 'tags'] });
    record('contact.updated', event.inboxId, { contact: contactDto(contact) });
    return { updated: true };
  });
}
