import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Contact } from './contact.entity.ts';

/**
 * One way to reach a card: a phone (E.164), an email (lower-cased), a Telegram user id, a widget visitor…
 * (kind, value) is unique, so the same phone or email can only ever belong to one card.
 */
export const ContactIdentity = defineEntity({
  name: 'ContactIdentity',
  properties: {
    id: p.integer().primary(),
    contact: () => p.manyToOne(Contact).deleteRule('cascade').index(),
    kind: p.string(),
    value: p.string(),
    /** Set when the channel reported this address cannot be reached (blocked the bot, bouncing…). */
    unreachableReason: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['kind', 'value'] }],
});
export type ContactIdentity = InferEntity<typeof ContactIdentity>;
