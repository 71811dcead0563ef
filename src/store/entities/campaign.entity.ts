import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { SegmentFilter } from '../../campaigns/segment-filter.ts';
import { Operator } from './operator.entity.ts';
import { Segment } from './segment.entity.ts';
import { Template, type TemplateBodies } from './template.entity.ts';

export const CAMPAIGN_STATES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];
export const CAMPAIGN_KINDS = ['one-off', 'birthday'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

/** Quiet hours in the recipient's local time: from `start` to `end` (`HH:MM`, may wrap midnight) nothing is sent. */
export interface QuietHours {
  start: string;
  end: string;
}

/** What a campaign sends, frozen when it starts: later edits to the template or segment do not change a running campaign. */
export interface CampaignSnapshot {
  bodies: TemplateBodies;
  filter: SegmentFilter;
}

/**
 * A template sent to a segment through one or more inboxes (the first one a card can be reached on,
 * then the next as a fallback). One-off campaigns run once; birthday campaigns run every day.
 */
export const Campaign = defineEntity({
  name: 'Campaign',
  properties: {
    id: p.integer().primary(),
    name: p.string(),
    kind: p.enum(CAMPAIGN_KINDS).default('one-off'),
    state: p.enum(CAMPAIGN_STATES).default('draft'),
    template: () => p.manyToOne(Template).nullable().deleteRule('set null'),
    segment: () => p.manyToOne(Segment).nullable().deleteRule('set null'),
    /** Inbox ids in fallback order. */
    channels: p.json<number[]>(),
    /** When a scheduled campaign starts (UTC), entered as a local time in `timezone`. */
    scheduledAt: p.datetime().nullable(),
    /** The campaign's timezone: for the schedule, and for cards that have none of their own. */
    timezone: p.string().default('UTC'),
    quietHours: p.json<QuietHours>().nullable(),
    /** Birthday campaigns: the local time (`HH:MM`) greetings go out on the day. */
    sendTime: p.string().nullable(),
    trackOpens: p.boolean().default(false),
    trackClicks: p.boolean().default(false),
    /** Send only to cards with an opt-in record for the channel (opt-outs are always honoured). */
    requireOptIn: p.boolean().default(false),
    snapshot: p.json<CampaignSnapshot>().nullable(),
    /** Signs unsubscribe and tracking links of this campaign. */
    secret: p.string().hidden(),
    /** Bumped on every resume, so re-queued send jobs get fresh job ids. */
    generation: p.integer().default(0),
    /** The last card id the segment was expanded up to (expansion resumes after it). */
    expandCursor: p.integer().default(0),
    expandedAt: p.datetime().nullable(),
    createdBy: () => p.manyToOne(Operator).nullable().deleteRule('set null'),
    startedAt: p.datetime().nullable(),
    pausedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    cancelledAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  indexes: [{ properties: ['state'] }],
});
export type Campaign = InferEntity<typeof Campaign>;
