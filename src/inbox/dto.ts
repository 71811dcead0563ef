import type { EntityManager } from '@mikro-orm/core';
import { ConversationLabel, type Contact, type Conversation, type Message } from '../store/entities/index.ts';

/** The shapes operators see over REST and the socket: one place, so both always agree. */

/** Where operators download a stored file (see attachments.routes.ts). */
export const attachmentUrl = (key: string) => `/api/v1/attachments/${key}`;

export const messageDto = (m: Message) => ({
  id: m.id,
  conversationId: m.conversation.id,
  inboxId: m.inbox.id,
  direction: m.direction,
  authorType: m.authorType,
  operatorId: m.operator?.id ?? null,
  text: m.text ?? null,
  html: m.html ?? null,
  attachments: m.attachments.map((a) => (a.key ? { ...a, url: attachmentUrl(a.key) } : a)),
  /** Channel extras: `subject`, `email` (from, to, cc, full original…), `rejected`; `retries` once an operator retried a failed reply; null for most channels. */
  meta: m.meta ?? null,
  externalId: m.externalId ?? null,
  replyToExternalId: m.replyToExternalId ?? null,
  status: m.status,
  failureReason: m.failureReason ?? null,
  private: m.private,
  sentAt: m.sentAt?.toISOString() ?? null,
  editedAt: m.editedAt?.toISOString() ?? null,
  createdAt: m.createdAt.toISOString(),
});
export type MessageDto = ReturnType<typeof messageDto>;

export const conversationDto = (c: Conversation, labels: string[]) => ({
  id: c.id,
  inboxId: c.inbox.id,
  contactId: c.contact.id,
  externalThreadId: c.externalThreadId,
  status: c.status,
  snoozedUntil: c.snoozedUntil?.toISOString() ?? null,
  assigneeId: c.assignee?.id ?? null,
  teamId: c.team?.id ?? null,
  unreadCount: c.unreadCount,
  labels: [...labels].sort(),
  lastMessagePreview: c.lastMessagePreview ?? null,
  lastActivityAt: c.lastActivityAt.toISOString(),
  createdAt: c.createdAt.toISOString(),
});
export type ConversationDto = ReturnType<typeof conversationDto>;

export const contactSummaryDto = (c: Contact) => ({
  id: c.id,
  name: c.name ?? null,
  avatarUrl: c.avatarUrl ?? null,
});
export type ContactSummaryDto = ReturnType<typeof contactSummaryDto>;

/** Labels of many conversations in one query. */
export async function labelsOf(em: EntityManager, conversationIds: number[]): Promise<Map<number, string[]>> {
  const byConversation = new Map<number, string[]>(conversationIds.map((id) => [id, []]));
  if (conversationIds.length === 0) return byConversation;
  const rows = await em.find(ConversationLabel, { conversation: { $in: conversationIds } }, { orderBy: { label: 'asc' } });
  for (const row of rows) byConversation.get(row.conversation.id)?.push(row.label);
  return byConversation;
}

export async function conversationWithLabels(em: EntityManager, c: Conversation): Promise<ConversationDto> {
  return conversationDto(c, (await labelsOf(em, [c.id])).get(c.id) ?? []);
}
