import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Contact } from './contact.entity.ts';
import { Operator } from './operator.entity.ts';

/** A note an operator keeps on a card; moves with the card when cards are merged. */
export const ContactNote = defineEntity({
  name: 'ContactNote',
  properties: {
    id: p.integer().primary(),
    contact: () => p.manyToOne(Contact).deleteRule('cascade').index(),
    author: () => p.manyToOne(Operator).nullable().deleteRule('set null'),
    body: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type ContactNote = InferEntity<typeof ContactNote>;
