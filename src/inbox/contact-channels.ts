import type { EntityManager } from '@mikro-orm/core';
import { addressOn } from '../campaigns/recipient-address.ts';
import { AppError, conflict, notFound } from '../errors.ts';
import { Contact, ContactIdentity, Conversation, Inbox } from '../store/entities/index.ts';
import { visibleInboxIds, type Actor } from './access.ts';
import { conversationDto } from './dto.ts';
import type { ReplyTarget } from './reply.service.ts';

/** One channel a reply to a client card can go out on (the reply box's channel picker). */
export interface ContactChannel {
  inboxId: number;
  kind: string;
  name: string;
  /** The card's latest conversation on this inbox; null when a reply there opens a new one. */
  conversationId: number | null;
  /** Who a new conversation would write to (the card's identity on that channel); null when one exists already. */
  address: string | null;
  /** The channel said this address cannot be reached (blocked the bot, bouncing). */
  unreachableReason: string | null;
}

async function cardOrFail(em: EntityManager, contactId: number) {
  const contact = await em.findOne(Contact, contactId, { fields: ['id', 'name'] });
  if (!contact) throw notFound('Contact');
  const identities = await em.find(ContactIdentity, { contact: contactId }, { fields: ['kind', 'value', 'unreachableReason'] });
  return { contact, identities: identities.map((i) => ({ kind: i.kind, value: i.value, unreachableReason: i.unreachableReason ?? null })) };
}

/**
 * The inboxes the actor may see on which the card can be answered: those it has a conversation in (newest first),
 * then those one of its identities reaches (a phone on SMS or WhatsApp, an email on a mailbox, a Telegram id on that bot).
 */
export async function contactChannels(em: EntityManager, actor: Actor, contactId: number): Promise<ContactChannel[]> {
  const { identities } = await cardOrFail(em, contactId);
  const visible = await visibleInboxIds(em, actor);
  const inboxes = await em.find(Inbox, visible === null ? {} : { id: { $in: visible } }, { fields: ['id', 'kind', 'name'], orderBy: { id: 'asc' } });
  const conversations = await em.find(Conversation, { contact: contactId }, { fields: ['id', 'inbox'], orderBy: { lastActivityAt: 'desc', id: 'desc' } });
  const latest = new Map<number, number>();
  for (const c of conversations) if (!latest.has(c.inbox.id)) latest.set(c.inbox.id, c.id);
  const order = [...latest.keys()];
  const channels: ContactChannel[] = [];
  for (const inbox of inboxes) {
    const conversationId = latest.get(inbox.id) ?? null;
    const address = conversationId === null ? addressOn(inbox, identities) : null;
    if (conversationId === null && !address) continue;
    channels.push({ inboxId: inbox.id, kind: inbox.kind, name: inbox.name, conversationId, address: address?.address ?? null, unreachableReason: address?.unreachableReason ?? null });
  }
  const rank = (c: ContactChannel) => (c.conversationId === null ? order.length : order.indexOf(c.inboxId));
  return channels.sort((a, b) => rank(a) - rank(b));
}

/**
 * Where a reply to the card on this inbox goes: its latest conversation there, else a new outbound conversation to
 * the card's identity on that channel (the thread is the customer's own chat, as ingest and campaign sends take it),
 * assigned to the operator who started it. Runs inside the reply's transaction, so a refused reply opens nothing.
 */
export function conversationOnChannel(actor: Actor, contactId: number, inboxId: number): ReplyTarget {
  return async (em, record) => {
    const visible = await visibleInboxIds(em, actor);
    const inbox = visible === null || visible.includes(inboxId) ? await em.findOne(Inbox, inboxId) : null;
    if (!inbox) throw notFound('Inbox');
    const { contact, identities } = await cardOrFail(em, contactId);
    const existing = await em.findOne(Conversation, { contact: contactId, inbox: inboxId }, { orderBy: { lastActivityAt: 'desc', id: 'desc' } });
    if (existing) return existing;
    const address = addressOn(inbox, identities);
    if (!address) throw new AppError('NO_IDENTITY_FOR_CHANNEL', `This client card has no identity the ${inbox.kind} inbox "${inbox.name}" can reach; add one (a phone, an email, a user id) on the card first`);
    if (address.unreachableReason) throw new AppError('NO_IDENTITY_FOR_CHANNEL', `${address.address} cannot be reached on "${inbox.name}": ${address.unreachableReason}`);
    const thread = await em.findOne(Conversation, { inbox: inboxId, externalThreadId: address.externalUserId });
    if (thread) {
      if (thread.contact.id === contactId) return thread;
      throw conflict(`That chat on "${inbox.name}" belongs to another client card; merge the cards first`);
    }
    const conversation = em.create(Conversation, {
      inbox,
      contact: contactId,
      externalThreadId: address.externalUserId,
      externalUserId: address.externalUserId,
      status: 'open',
      assignee: actor.id,
      unreadCount: 0,
    });
    await em.flush();
    record('conversation.created', inbox.id, { conversation: conversationDto(conversation, []), contact: { id: contact.id, name: contact.name ?? null } });
    return conversation;
  };
}
