import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Contact } from './contact.entity.ts';

/** A tag on a card; a row of its own so segments and filters are plain indexed SQL on both dialects. */
export const ContactTag = defineEntity({
  name: 'ContactTag',
  properties: {
    id: p.integer().primary(),
    contact: () => p.manyToOne(Contact).deleteRule('cascade'),
    tag: p.string().index(),
  },
  uniques: [{ properties: ['contact', 'tag'] }],
});
export type ContactTag = InferEntity<typeof ContactTag>;
