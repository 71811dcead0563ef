import type { EntityManager } from '@mikro-orm/core';
import type { VisitorMessage } from '../../channels/webchat/visitor-link.ts';
import { visitorFileUrl } from '../../channels/webchat/visitor-token.ts';
import { Conversation, Message } from '../store/entities/index.ts';

/** How many earlier messages a widget gets when it connects. */
export const HISTORY_LIMIT = 100;

interface Stored {
  id: number;
  direction: 'in' | 'out';
  text?: string | null;
  attachments: { key?: string; url?: string; name?: string; contentType?: string; size?: number }[];
  createdAt: Date | string;
}

/** A stored message as the visitor sees it: no operator names, notes or channel internals; files behind signed URLs. */
export function toVisitorMessage(m: Stored, inbox: { id: number; secret: string }, publicUrl: string): VisitorMessage {
  return {
    id: m.id,
    direction: m.direction,
    text: m.text ?? null,
    attachments: m.attachments.map((a) => ({
      name: a.name ?? 'file',
      contentType: a.contentType ?? 'application/octet-stream',
      size: a.size ?? 0,
      url: a.key ? visitorFileUrl(publicUrl, inbox.secret, inbox.id, a.key) : (a.url ?? ''),
    })),
    createdAt: (m.createdAt instanceof Date ? m.createdAt : new Date(m.createdAt)).toISOString(),
  };
}

/** The visitor's conversation in this inbox, if they have written before. */
export const visitorConversation = (em: EntityManager, inboxId: number, visitorId: string) =>
  em.findOne(Conversation, { inbox: inboxId, externalThreadId: visitorId });

/** The latest messages of the conversation, oldest first, private notes left out. */
export async function visitorHistory(em: EntityManager, conversation: Conversation | null, inbox: { id: number; secret: string }, publicUrl: string): Promise<VisitorMessage[]> {
  if (!conversation) return [];
  const rows = await em.find(Message, { conversation, private: false }, { orderBy: { id: 'desc' }, limit: HISTORY_LIMIT });
  return rows.reverse().map((m) => toVisitorMessage(m, inbox, publicUrl));
}
