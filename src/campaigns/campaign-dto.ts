import type { Campaign } from '../store/entities/index.ts';

/** A campaign as marketers see it over REST and the socket. */
export const campaignDto = (c: Campaign) => ({
  id: c.id,
  name: c.name,
  kind: c.kind,
  state: c.state,
  templateId: c.template?.id ?? null,
  segmentId: c.segment?.id ?? null,
  channels: c.channels,
  scheduledAt: c.scheduledAt?.toISOString() ?? null,
  timezone: c.timezone,
  quietHours: c.quietHours ?? null,
  sendTime: c.sendTime ?? null,
  trackOpens: c.trackOpens,
  trackClicks: c.trackClicks,
  requireOptIn: c.requireOptIn,
  /** True once every card of the segment is in the send ledger. */
  expanded: c.expandedAt !== null && c.expandedAt !== undefined,
  createdById: c.createdBy?.id ?? null,
  startedAt: c.startedAt?.toISOString() ?? null,
  pausedAt: c.pausedAt?.toISOString() ?? null,
  completedAt: c.completedAt?.toISOString() ?? null,
  cancelledAt: c.cancelledAt?.toISOString() ?? null,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});
export type CampaignDto = ReturnType<typeof campaignDto>;

export const COUNTED = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown', 'skipped', 'cancelled'] as const;
export type Counts = Record<(typeof COUNTED)[number] | 'opened' | 'clicked' | 'unsubscribed', number>;
export const zeroCounts = (): Counts => ({ queued: 0, sending: 0, sent: 0, delivered: 0, read: 0, failed: 0, unknown: 0, skipped: 0, cancelled: 0, opened: 0, clicked: 0, unsubscribed: 0 });

/** Live progress and final statistics: one shape for `GET /campaigns/:id/stats` and the `campaign.progress` push. */
export interface CampaignStats {
  campaignId: number;
  state: string;
  expanded: boolean;
  /** Cards in the ledger (a card that fell back to a second channel counts once here). */
  recipients: number;
  /** Ledger rows (one per card per channel tried). */
  total: number;
  /** Rows by status, plus how many were opened, clicked, or unsubscribed from. `sent` counts rows still at sent (not yet delivered). */
  counts: Counts;
  byChannel: { inboxId: number; kind: string; name: string; counts: Counts }[];
  at: string;
}
