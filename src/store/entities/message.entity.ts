import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Conversation } from './conversation.entity.ts';
import { Inbox } from './inbox.entity.ts';
import { Operator } from './operator.entity.ts';

export const AUTHOR_TYPES = ['contact', 'operator', 'bot', 'system'] as const;
export type AuthorType = (typeof AUTHOR_TYPES)[number];

/**
 * Delivery statuses (see message-status.ts for the order they move in). `received` is an inbound message, `note` a private note;
 * `sending` marks a reply handed to the channel, so a retried job never sends it twice.
 */
export const MESSAGE_STATUSES = ['received', 'note', 'queued', 'sending', 'sent', 'failed', 'delivered', 'read', 'unknown'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** A file on a message: a `key` in the attachment store (files we keep), or a `url` it stays at. */
export interface Attachment {
  key?: string;
  url?: string;
  name?: string;
  contentType?: string;
  size?: number;
  /** Shown inside the message body (an email's inline image). */
  inline?: boolean;
}

export const Message = defineEntity({
  name: 'Message',
  properties: {
    id: p.integer().primary(),
    conversation: () => p.manyToOne(Conversation).deleteRule('cascade'),
    /** Denormalised so (inbox, externalId) can be unique: the dedup guard for every channel. */
    inbox: () => p.manyToOne(Inbox).deleteRule('cascade'),
    direction: p.enum(['in', 'out'] as const),
    authorType: p.enum(AUTHOR_TYPES),
    operator: () => p.manyToOne(Operator).nullable().deleteRule('set null'),
    text: p.text().nullable(),
    html: p.text().nullable(),
    attachments: p.json<Attachment[]>().default('[]'),
    /** What the channel knows beyond text and html (an email's subject, addresses and full original); see NormalizedInbound.meta. */
    meta: p.json<Record<string, unknown>>().nullable(),
    externalId: p.string().nullable(),
    replyToExternalId: p.string().nullable(),
    status: p.enum(MESSAGE_STATUSES),
    failureReason: p.text().nullable(),
    private: p.boolean().default(false),
    sentAt: p.datetime().nullable(),
    /** Set when the customer edited the message on their channel; `text` holds the latest version. */
    editedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['inbox', 'externalId'] }],
  indexes: [{ properties: ['conversation', 'id'] }],
});
export type Message = InferEntity<typeof Message>;
