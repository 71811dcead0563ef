import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Contact } from './contact.entity.ts';
import { ConversationLabel } from './conversation-label.entity.ts';
import { Inbox } from './inbox.entity.ts';
import { Operator } from './operator.entity.ts';
import { Team } from './team.entity.ts';

export const CONVERSATION_STATUSES = ['open', 'pending', 'snoozed', 'resolved'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** One thread with a client card on one inbox. A new inbound message reopens it. */
export const Conversation = defineEntity({
  name: 'Conversation',
  properties: {
    id: p.integer().primary(),
    inbox: () => p.manyToOne(Inbox).deleteRule('cascade'),
    contact: () => p.manyToOne(Contact).index(),
    /** The channel's thread (chat id, email thread root…): one conversation per thread per inbox. */
    externalThreadId: p.string(),
    /** The channel user id replies go to. */
    externalUserId: p.string(),
    status: p.enum(CONVERSATION_STATUSES).default('open'),
    snoozedUntil: p.datetime().nullable(),
    assignee: () => p.manyToOne(Operator).nullable().deleteRule('set null'),
    team: () => p.manyToOne(Team).nullable().deleteRule('set null'),
    labels: () => p.oneToMany(ConversationLabel).mappedBy('conversation'),
    unreadCount: p.integer().default(0),
    lastMessagePreview: p.string().nullable(),
    lastActivityAt: p.datetime().onCreate(() => new Date()),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['inbox', 'externalThreadId'] }],
  indexes: [{ properties: ['lastActivityAt', 'id'] }],
});
export type Conversation = InferEntity<typeof Conversation>;
