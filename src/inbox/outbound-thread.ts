import type { EntityManager } from '@mikro-orm/core';
import { Message } from '../store/entities/index.ts';

/** RFC 5322 lets References be trimmed, keeping the first id; a few dozen keep every client threading. */
const MAX_REFERENCES = 30;

/**
 * What a channel that threads by reference (email) needs to send a reply in a conversation: the ids of
 * its earlier messages (the first one, then the latest ones, oldest first) and the latest subject.
 */
export async function outboundThread(em: EntityManager, conversationId: number, beforeMessageId: number): Promise<{ subject?: string; references: string[] }> {
  const where = { conversation: conversationId, id: { $lt: beforeMessageId }, externalId: { $ne: null }, private: false };
  const latest = await em.find(Message, where, { fields: ['externalId', 'meta'], orderBy: { id: 'desc' }, limit: MAX_REFERENCES - 1 });
  if (latest.length === 0) return { references: [] };
  const first = latest.length === MAX_REFERENCES - 1 ? await em.findOne(Message, where, { fields: ['externalId'], orderBy: { id: 'asc' } }) : null;
  const references = [...new Set([first?.externalId, ...[...latest].reverse().map((m) => m.externalId)].filter((id): id is string => !!id))];
  const subjectOf = (m: { meta?: unknown }) => (m.meta as { subject?: unknown } | null | undefined)?.subject;
  const subject = latest.map(subjectOf).find((s): s is string => typeof s === 'string' && s !== '');
  return { subject, references };
}
