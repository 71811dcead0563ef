import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'blocked', 'invalid', 'complained', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * An address campaigns never send to on one channel: an email that unsubscribed or bounced, a phone that is
 * not a valid number, a Telegram user who blocked the bot. Keyed by address (not card), as mail providers do,
 * so it holds even if the card is deleted and the person comes back.
 */
export const Suppression = defineEntity({
  name: 'Suppression',
  properties: {
    id: p.integer().primary(),
    channel: p.string(),
    /** The identity value: an email, an E.164 phone, a Telegram user id… */
    address: p.string(),
    reason: p.enum(SUPPRESSION_REASONS),
    note: p.text().nullable(),
    campaignId: p.integer().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['channel', 'address'] }],
});
export type Suppression = InferEntity<typeof Suppression>;
