import type { EntityManager } from '@mikro-orm/core';
import { Message, type MessageStatus } from '../store/entities/index.ts';

/**
 * The order a sent message's status may move in. Reports arrive out of order (a `read` before
 * its `delivered`), so a status is applied only when it ranks above the current one.
 */
const RANK: Record<MessageStatus, number> = {
  received: -1,
  queued: 0,
  sending: 1,
  sent: 2,
  failed: 3,
  unknown: 3,
  delivered: 4,
  read: 5,
  note: -1,
};

export const statusesBelow = (status: MessageStatus): MessageStatus[] =>
  (Object.keys(RANK) as MessageStatus[]).filter((s) => RANK[s] >= 0 && RANK[s] < RANK[status]);

/**
 * Moves a message forward with one conditional UPDATE, so two reports racing each other
 * can never move it backwards. Returns false (and changes nothing) when it would not move forward.
 */
export async function advanceStatus(em: EntityManager, message: Message, to: MessageStatus, reason?: string, extra: Partial<Pick<Message, 'externalId' | 'sentAt'>> = {}): Promise<boolean> {
  const changes = { status: to, failureReason: to === 'failed' || to === 'unknown' ? (reason ?? null) : null, ...extra };
  const count = await em.nativeUpdate(Message, { id: message.id, status: { $in: statusesBelow(to) } }, changes);
  if (count === 0) return false;
  await em.refresh(message);
  return true;
}
