/** The campaign API's shapes (see src/campaigns/*-dto.ts and the routes in src/http/routes/ on the server). */
export const BODY_KINDS = ['sms', 'email', 'telegram', 'whatsapp', 'default'] as const;
export type BodyKind = (typeof BODY_KINDS)[number];
export interface ChannelBody { subject?: string; text?: string; html?: string }
export type Bodies = Partial<Record<string, ChannelBody>>;
export interface Template { id: number; name: string; bodies: Bodies; createdAt: string; updatedAt: string }
export interface TemplateProblem { channel: string; field: string; message: string }
export interface SmsCount { encoding: 'GSM-7' | 'UCS-2'; units: number; segments: number; perSegment: number; remaining: number; parts: string[]; nonGsmCharacters: string[] }
export interface PreviewChannel { subject?: string; text?: string; html?: string; sms?: SmsCount }

export const CUSTOM_FIELD_OPS = ['eq', 'neq', 'in', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists', 'notExists'] as const;
export type CustomFieldOp = (typeof CUSTOM_FIELD_OPS)[number];
export interface DateRange { after?: string; before?: string; withinDays?: number; olderThanDays?: number; never?: boolean }
export interface SegmentFilter {
  tagsAny?: string[];
  tagsAll?: string[];
  tagsNone?: string[];
  has?: string[];
  hasNot?: string[];
  customFields?: { field: string; op: CustomFieldOp; value?: string | number | boolean | (string | number)[] }[];
  lastActivity?: DateRange;
  created?: DateRange;
  birthdayMonths?: number[];
  languages?: string[];
}
export interface Segment { id: number; name: string; filter: SegmentFilter; createdAt: string; updatedAt: string }
export interface SegmentCount { count: number; sample: { id: number; name: string | null }[] }

export type CampaignState = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';
export interface Campaign {
  id: number;
  name: string;
  kind: 'oneoff' | 'birthday' | string;
  state: CampaignState;
  templateId: number | null;
  segmentId: number | null;
  channels: number[];
  scheduledAt: string | null;
  timezone: string;
  quietHours: { start: string; end: string } | null;
  requireOptIn: boolean;
  trackOpens: boolean;
  trackClicks: boolean;
  startedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface CampaignChannel { id: number; kind: string; name: string }
export const COUNT_KEYS = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown', 'skipped', 'cancelled', 'opened', 'clicked', 'unsubscribed'] as const;
export type Counts = Record<(typeof COUNT_KEYS)[number], number>;
export interface CampaignStats {
  campaignId: number;
  state: CampaignState;
  expanded: boolean;
  recipients: number;
  total: number;
  counts: Counts;
  byChannel: { inboxId: number; kind: string; name: string; counts: Counts }[];
  at: string;
}
export interface Estimate { matching: number; willReceive: number; byChannel: { inboxId: number; kind: string; recipients: number }[]; skipped: { reason: string; count: number }[] }
export interface Recipient { id: number; contactId: number; contactName: string | null; inboxId: number; address: string | null; status: string; failureReason: string | null; updatedAt: string }

export const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'blocked', 'invalid', 'complained', 'manual'] as const;
export interface Suppression { id: number; channel: string; address: string; reason: (typeof SUPPRESSION_REASONS)[number]; note: string | null; campaignId: number | null; createdAt: string }
