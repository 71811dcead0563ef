import type { EntityManager } from '@mikro-orm/core';
import type { InboundSender } from '../../channels/channel-adapter.ts';
import { Contact, ContactIdentity } from '../store/entities/index.ts';
import { senderIdentities } from './identity.ts';

/**
 * Finds the client card a channel sender belongs to, or creates it. The sender's channel id,
 * phone and email are all looked up, so a customer who writes from Telegram and then by email
 * lands on one card; identities the card lacks are added to it.
 */
export async function resolveContact(em: EntityManager, inbox: { id: number; kind: string }, sender: InboundSender): Promise<Contact> {
  const keys = senderIdentities(inbox, sender);

  const known = await em.find(ContactIdentity, { $or: keys }, { populate: ['contact'] });
  // The channel id decides first; then a phone or email someone already has.
  const owner = keys.map((key) => known.find((i) => i.kind === key.kind && i.value === key.value)).find(Boolean);
  const contact = owner ? (owner.contact as Contact) : em.create(Contact, { name: sender.name ?? sender.username ?? null });
  if (owner && !contact.name && (sender.name || sender.username)) contact.name = sender.name ?? sender.username;

  for (const key of keys) {
    if (!known.some((i) => i.kind === key.kind && i.value === key.value)) em.create(ContactIdentity, { contact, ...key });
  }
  return contact;
}
