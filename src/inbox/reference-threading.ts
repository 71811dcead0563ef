import type { EntityManager } from '@mikro-orm/core';
import type { NormalizedInbound } from '../../channels/channel-adapter.ts';
import { Conversation, Message } from '../store/entities/index.ts';

/** Enough to find the thread; an email's References can list hundreds of ids. */
const MAX_REFERENCES = 100;

/**
 * Threading by reference (email's In-Reply-To and References, RFC 5322 §3.6.4): a message that refers to
 * a message already stored in the same inbox, inbound or one our operators sent, joins that message's
 * conversation. The nearest reference wins (the last one listed). Without a known reference the message
 * keeps the thread id its channel gave it.
 */
export async function joinReferencedConversation(em: EntityManager, inbound: NormalizedInbound): Promise<NormalizedInbound> {
  const references = [...new Set(inbound.references ?? [])].slice(-MAX_REFERENCES);
  if (references.length === 0) return inbound;
  const known = await em.find(Message, { inbox: inbound.inboxId, externalId: { $in: references } }, { fields: ['externalId', 'conversation'] });
  if (known.length === 0) return inbound;
  const nearest = known.reduce((best, m) => (references.indexOf(m.externalId!) > references.indexOf(best.externalId!) ? m : best));
  const conversation = await em.findOne(Conversation, nearest.conversation.id, { fields: ['externalThreadId'] });
  return conversation ? { ...inbound, externalThreadId: conversation.externalThreadId } : inbound;
}
