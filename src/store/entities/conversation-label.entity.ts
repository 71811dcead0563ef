import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Conversation } from './conversation.entity.ts';

/** A label on a conversation; a row of its own so the list can filter by label with an index. */
export const ConversationLabel = defineEntity({
  name: 'ConversationLabel',
  properties: {
    id: p.integer().primary(),
    conversation: () => p.manyToOne(Conversation).deleteRule('cascade'),
    label: p.string().index(),
  },
  uniques: [{ properties: ['conversation', 'label'] }],
});
export type ConversationLabel = InferEntity<typeof ConversationLabel>;
