import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A saved reply operators insert by its short code. */
export const CannedResponse = defineEntity({
  name: 'CannedResponse',
  properties: {
    id: p.integer().primary(),
    shortCode: p.string().unique(),
    content: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type CannedResponse = InferEntity<typeof CannedResponse>;
