import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * A label in the managed catalogue: the name conversations carry (ConversationLabel.label), its colour
 * and what it is for. Conversations may still carry names not in the catalogue (they show grey).
 */
export const Label = defineEntity({
  name: 'Label',
  properties: {
    id: p.integer().primary(),
    name: p.string().unique(),
    /** `#rrggbb`, lower-cased. */
    color: p.string(),
    description: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type Label = InferEntity<typeof Label>;
