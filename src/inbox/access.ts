import type { EntityManager } from '@mikro-orm/core';
import { notFound } from '../errors.ts';
import { Conversation, Inbox, type Operator } from '../store/entities/index.ts';

/** Who is asking: enough to decide what they may see. */
export interface Actor {
  id: number;
  role: Operator['role'];
}

/**
 * The inboxes an operator may see: every one for admins, otherwise those they are a member of,
 * directly or through a team. `null` means all.
 */
export async function visibleInboxIds(em: EntityManager, actor: Actor): Promise<number[] | null> {
  if (actor.role === 'admin') return null;
  if (actor.role !== 'operator') return [];
  const inboxes = await em.find(Inbox, { $or: [{ members: actor.id }, { teams: { members: actor.id } }] }, { fields: ['id'] });
  return [...new Set(inboxes.map((i) => i.id))];
}

export async function canSeeInbox(em: EntityManager, actor: Actor, inboxId: number): Promise<boolean> {
  const visible = await visibleInboxIds(em, actor);
  return visible === null || visible.includes(inboxId);
}

/** A conversation the actor may see; another inbox's conversation is "not found", so ids leak nothing. */
export async function conversationFor(em: EntityManager, actor: Actor, id: number): Promise<Conversation> {
  const conversation = await em.findOne(Conversation, id);
  if (!conversation || !(await canSeeInbox(em, actor, conversation.inbox.id))) throw notFound('Conversation');
  return conversation;
}
