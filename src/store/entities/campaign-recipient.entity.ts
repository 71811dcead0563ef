import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.ts';
import { Contact } from './contact.entity.ts';
import { Inbox } from './inbox.entity.ts';

/**
 * `queued` → `sending` (claimed just before the channel is called) → `sent` → `delivered` → `read`;
 * or `failed` (with a reason), `skipped` (opted out, suppressed, no address: never sent), `cancelled`,
 * and `unknown`: a worker died mid-send, so whether the customer got it is unknown, and it is not resent.
 */
export const RECIPIENT_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown', 'skipped', 'cancelled'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

/**
 * The send ledger: one row per campaign × card × inbox (× occurrence, the year for birthday greetings).
 * The unique key is what makes a campaign send to each card at most once per channel, whatever jobs run.
 */
export const CampaignRecipient = defineEntity({
  name: 'CampaignRecipient',
  properties: {
    id: p.integer().primary(),
    campaign: () => p.manyToOne(Campaign).deleteRule('cascade'),
    contact: () => p.manyToOne(Contact).deleteRule('cascade').index(),
    inbox: () => p.manyToOne(Inbox).deleteRule('cascade'),
    /** '' for one-off campaigns; the year for a birthday greeting. */
    occurrence: p.string().default(''),
    /** Position of `inbox` in the campaign's fallback order. */
    step: p.integer().default(0),
    /** The identity value sent to (email, E.164 phone, Telegram id…); '' when the card has none. */
    address: p.string(),
    status: p.enum(RECIPIENT_STATUSES),
    failureReason: p.text().nullable(),
    externalId: p.string().nullable(),
    /** Held back by quiet hours until then. */
    deferredUntil: p.datetime().nullable(),
    sentAt: p.datetime().nullable(),
    openedAt: p.datetime().nullable(),
    clickedAt: p.datetime().nullable(),
    unsubscribedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  uniques: [{ properties: ['campaign', 'contact', 'inbox', 'occurrence'] }],
  indexes: [{ properties: ['campaign', 'status'] }, { properties: ['inbox', 'externalId'] }],
});
export type CampaignRecipient = InferEntity<typeof CampaignRecipient>;
