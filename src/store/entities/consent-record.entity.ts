import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Contact } from './contact.entity.ts';

export const CONSENT_STATUSES = ['opt-in', 'opt-out'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

/**
 * One consent event on a card for one channel (email, sms, telegram, whatsapp…): when, how (a web form,
 * an import, the unsubscribe link) and which text the person agreed to. The latest record per channel decides.
 */
export const ConsentRecord = defineEntity({
  name: 'ConsentRecord',
  properties: {
    id: p.integer().primary(),
    contact: () => p.manyToOne(Contact).deleteRule('cascade'),
    channel: p.string(),
    status: p.enum(CONSENT_STATUSES),
    source: p.string(),
    text: p.text().nullable(),
    /** The operator who recorded it, or null (the customer themself, an import). */
    operatorId: p.integer().nullable(),
    campaignId: p.integer().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['contact', 'channel', 'id'] }],
});
export type ConsentRecord = InferEntity<typeof ConsentRecord>;
