import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Inbox } from './inbox.entity.ts';

/** Where a channel adapter is in its inbox's stream (an IMAP folder's UIDVALIDITY and last UID), one row per (inbox, key). */
export const ChannelCursor = defineEntity({
  name: 'ChannelCursor',
  properties: {
    id: p.integer().primary(),
    inbox: () => p.manyToOne(Inbox).deleteRule('cascade'),
    key: p.string(),
    value: p.text(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  uniques: [{ properties: ['inbox', 'key'] }],
});
export type ChannelCursor = InferEntity<typeof ChannelCursor>;
