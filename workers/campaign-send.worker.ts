import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { InboxConfig, OutboundMessage } from '../channels/channel-adapter.ts';
import { ChannelError } from '../channels/channel-error.ts';
import type { ChannelManager } from '../channels/channel-manager.ts';
import type { Clock } from '../src/campaigns/clock.ts';
import { sendBlocker, type ConsentService } from '../src/campaigns/consent.service.ts';
import { blockersOf, enqueueSends, identitiesOf, planRows, writeLedger, type CampaignInbox } from '../src/campaigns/ledger.ts';
import { campaignLinks, trackHtml } from '../src/campaigns/links.ts';
import type { CampaignProgress } from '../src/campaigns/progress.ts';
import { campaignLimits } from '../src/campaigns/rate-limits.ts';
import { addressOn, campaignAddress, consentChannel } from '../src/campaigns/recipient-address.ts';
import { renderScope, type CardForTemplate } from '../src/campaigns/render-context.ts';
import { compileTemplate, renderFor, type CompiledTemplate } from '../src/campaigns/template-engine.ts';
import { isValidTimezone, quietHoursEnd } from '../src/campaigns/zoned-time.ts';
import { channelIdentity } from '../src/contacts/identity.ts';
import { inboxConfig } from '../src/inbox/inboxes.service.ts';
import { Campaign, CampaignRecipient, ContactIdentity, Inbox, type RecipientStatus } from '../src/store/entities/index.ts';
import { dialectOfEm, fromSqlTime, rows, run, sqlTime } from '../src/store/sql.ts';
import type { Queues } from './queues.ts';
import { CAMPAIGN_SEND_QUEUE, type CampaignSendJob } from './queues.ts';
import { RateLimiter } from './rate-limiter.ts';
import { channelBackoff } from './send-message.worker.ts';

export interface CampaignSendDeps {
  orm: MikroORM;
  channels: ChannelManager;
  consent: ConsentService;
  queues: Queues;
  clock: Clock;
  progress: CampaignProgress;
  publicUrl: string;
  limiter?: RateLimiter;
}

/** Quiet hours re-check at least this often, so a clock or timezone-rule change never strands a send for long. */
const MAX_QUIET_DELAY_MS = 3_600_000;
const INBOX_CACHE_MS = 2000;

/**
 * Sends one send-ledger row, exactly once. Like replies (send-message.worker.ts), the row is claimed with one
 * conditional UPDATE (`queued` → `sending`, and only while the campaign is running) before the channel is called;
 * a job that finds its row `sending` belongs to a worker that died mid-send, so the row becomes `unknown` and is
 * not sent again. Opt-outs, the suppression list and unreachable identities are checked here, at send time.
 */
export function campaignSendProcessor(deps: CampaignSendDeps) {
  const campaignCache = new Map<number, { key: number; campaign: Campaign; compiled: CompiledTemplate }>();
  const inboxCache = new Map<number, { inbox: InboxConfig; at: number }>();

  async function inboxOf(em: EntityManager, id: number): Promise<InboxConfig | null> {
    const cached = inboxCache.get(id);
    if (cached && cached.at + INBOX_CACHE_MS > Date.now()) return cached.inbox;
    const inbox = await em.findOne(Inbox, id);
    if (!inbox) return null;
    const config = inboxConfig(inbox);
    inboxCache.set(id, { inbox: config, at: Date.now() });
    return config;
  }

  /** What a running campaign sends never changes (it is frozen at start), so each process loads and compiles it once. */
  async function campaignOf(em: EntityManager, id: number, startedAt: Date | null): Promise<{ campaign: Campaign; compiled: CompiledTemplate } | null> {
    const key = startedAt?.getTime() ?? 0;
    const cached = campaignCache.get(id);
    if (cached?.key === key) return cached;
    const campaign = await em.findOne(Campaign, id);
    if (!campaign?.snapshot) return null;
    // Checked strictly when the campaign started; at send time only parsing is left to do.
    const { compiled, problems } = compileTemplate(campaign.snapshot.bodies, null);
    if (!compiled) throw new Error(problems.map((p) => p.message).join('; '));
    const entry = { key, campaign, compiled };
    campaignCache.set(id, entry);
    return entry;
  }

  return async (job: Job<CampaignSendJob>, token?: string): Promise<string> => {
    const em = deps.orm.em.fork();
    const dialect = dialectOfEm(em);
    // One statement for the row, its campaign's current state and the card (this is the hot path of every campaign).
    const [found] = await rows<RecipientRow>(em,
      `select r.id, r.status, r.campaign_id, r.contact_id, r.inbox_id, r.step, r.occurrence, r.deferred_until, c.state, c.started_at,
       ct.name, ct.birthday, ct.language, ct.timezone, ct.custom_fields, ct.created_at
       from campaign_recipient r join campaign c on c.id = r.campaign_id join contact ct on ct.id = r.contact_id where r.id = ?`, [job.data.recipientId]);
    if (!found) return 'gone';
    const row: Recipient = { id: Number(found.id), campaignId: Number(found.campaign_id), contactId: Number(found.contact_id), inboxId: Number(found.inbox_id), step: Number(found.step), occurrence: found.occurrence, deferredUntil: fromSqlTime(found.deferred_until) };
    if (found.status === 'sending') {
      await settle(em, row.id, 'sending', 'unknown', 'The worker stopped while this message was being sent; check the channel before sending it again.');
      deps.progress.touch(row.campaignId);
      return 'unknown';
    }
    if (found.status !== 'queued') return 'already-handled';
    if (found.state !== 'running') return 'not-running'; // paused: a resume queues the row again
    const loaded = await campaignOf(em, row.campaignId, fromSqlTime(found.started_at));
    const inbox = await inboxOf(em, row.inboxId);
    if (!loaded || !inbox) return 'gone';
    const { campaign, compiled } = loaded;
    const channel = consentChannel(inbox.kind);
    const { card, suppressions, consent } = await cardOf(em, found, channel);

    // Send-time checks: the card may have lost the address, opted out or been suppressed since the campaign started.
    const address = addressOn(inbox, card.identities);
    const blocked = !address
      ? 'The card no longer has an address for this channel'
      : sendBlocker({ channel, unreachableReason: address.unreachableReason, suppressed: suppressions.get(address.address) ?? null, consent, requireOptIn: campaign.requireOptIn });
    if (blocked) {
      await settleAndFallBack(em, campaign, row, 'queued', 'skipped', blocked, true);
      deps.progress.touch(campaign.id);
      return 'skipped';
    }

    // Quiet hours in the recipient's own timezone: come back when they end (delayed, never dropped).
    if (campaign.quietHours) {
      const zone = card.timezone && isValidTimezone(card.timezone) ? card.timezone : campaign.timezone;
      const now = deps.clock.now();
      const end = quietHoursEnd(now, zone, campaign.quietHours);
      if (end && token) {
        if (row.deferredUntil?.getTime() !== end.getTime()) await run(em, "update campaign_recipient set deferred_until = ? where id = ? and status = 'queued'", [sqlTime(dialect, end), row.id]);
        await job.moveToDelayed(Date.now() + Math.min(end.getTime() - now.getTime(), MAX_QUIET_DELAY_MS), token);
        throw new DelayedError();
      }
    }

    const adapter = deps.channels.adapterFor(inbox);
    if (deps.limiter && token) {
      const wait = await deps.limiter.reserveAll(campaignLimits(inbox, adapter.capabilities, address!.externalUserId));
      if (wait > 0) {
        await job.moveToDelayed(Date.now() + wait, token);
        throw new DelayedError();
      }
    }

    const links = campaignLinks(deps.publicUrl, campaign.secret, row.id);
    let message: OutboundMessage;
    try {
      const rendered = await renderFor(compiled, inbox.kind, renderScope(card, campaign, { unsubscribeUrl: links.unsubscribeUrl, now: deps.clock.now(), customFields: compiled.customFields, defaultTimezone: campaign.timezone }));
      const html = rendered.html !== undefined && inbox.kind === 'email' ? trackHtml(rendered.html, links, { opens: campaign.trackOpens, clicks: campaign.trackClicks }) : rendered.html;
      message = {
        id: row.id,
        conversationId: 0,
        deliveryId: `campaign-${campaign.id}-${row.id}`,
        text: rendered.text,
        html,
        subject: rendered.subject,
        whatsappTemplate: rendered.whatsappTemplate,
        attachments: [],
        campaign: { campaignId: campaign.id, recipientId: row.id },
        // RFC 8058: mail clients show an unsubscribe button that POSTs to this URL, no login, no confirmation.
        ...(inbox.kind === 'email' ? { headers: { 'List-Unsubscribe': `<${links.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } } : {}),
      };
    } catch (error) {
      await settleAndFallBack(em, campaign, row, 'queued', 'failed', `The template could not be rendered for this card: ${(error as Error).message}`, true);
      deps.progress.touch(campaign.id);
      return 'failed';
    }

    // The claim: from here on, a second job for this row can never send it again.
    const claimed = await run(em,
      "update campaign_recipient set status = 'sending', address = ?, deferred_until = null, updated_at = ? where id = ? and status = 'queued' and exists (select 1 from campaign where id = ? and state = 'running')",
      [address!.address, sqlTime(dialect, new Date()), row.id, campaign.id]);
    if (claimed === 0) return 'already-handled';
    deps.progress.touch(campaign.id);

    try {
      const { externalId } = await adapter.send(campaignAddress(inbox.id, address!.externalUserId), message);
      const now = sqlTime(dialect, new Date());
      await run(em, "update campaign_recipient set status = 'sent', external_id = ?, sent_at = ?, failure_reason = null, updated_at = ? where id = ? and status = 'sending'", [externalId, now, now, row.id]);
      deps.progress.touch(campaign.id);
      return 'sent';
    } catch (thrown) {
      const error = ChannelError.from(thrown);
      deps.progress.touch(campaign.id);
      if (error.retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
        // Hand the row back so the next attempt can claim it; BullMQ waits (Retry-After when the channel said).
        await em.nativeUpdate(CampaignRecipient, { id: row.id, status: 'sending' }, { status: 'queued', failureReason: error.message, updatedAt: new Date() });
        throw error;
      }
      await settleAndFallBack(em, campaign, row, 'sending', 'failed', error.message, !error.retryable);
      if (error.code === 'INVALID_RECIPIENT') await deps.consent.suppress(channel, address!.address, 'invalid', { note: error.message, campaignId: campaign.id });
      if (error.code === 'BLOCKED_BY_USER') {
        await deps.consent.suppress(channel, address!.address, 'blocked', { note: error.message, campaignId: campaign.id });
        await deps.orm.em.fork().nativeUpdate(ContactIdentity, channelIdentity(inbox, address!.externalUserId), { unreachableReason: error.message });
      }
      return 'failed';
    }
  };

  /**
   * Settles a row the card was not reached by and, when `fallBack`, writes the card's row for the next channel in the
   * campaign's order, in one transaction: the campaign is never seen with the first settled and the next not yet written
   * (it would look complete). The next row's job is enqueued after the commit.
   */
  async function settleAndFallBack(em: EntityManager, campaign: Campaign, row: Recipient, from: RecipientStatus, to: RecipientStatus, reason: string, fallBack: boolean): Promise<void> {
    const inboxes: CampaignInbox[] = [];
    if (fallBack && row.step + 1 < campaign.channels.length) {
      for (const id of campaign.channels) {
        const inbox = await inboxOf(em, id);
        if (inbox) inboxes.push({ id: inbox.id, kind: inbox.kind });
      }
    }
    const queued = await em.transactional(async (tx) => {
      if (!(await settle(tx, row.id, from, to, reason))) return [];
      if (inboxes.length !== campaign.channels.length) return [];
      const identities = await identitiesOf(tx, [row.contactId]);
      const [planned] = planRows([row.contactId], identities, inboxes, await blockersOf(tx, identities, inboxes), campaign.requireOptIn, row.step + 1);
      // Nothing further to try: the card keeps this row's outcome, not a second "skipped".
      if (!planned || (planned.status === 'skipped' && !planned.address)) return [];
      return writeLedger(tx, campaign.id, row.occurrence, [planned]);
    });
    await enqueueSends(deps.queues.campaignSend, queued, campaign.generation);
  }
}

/** A ledger row as the send path reads it (plain SQL, joined with its campaign's state and its card). */
interface RecipientRow {
  id: number;
  status: RecipientStatus;
  campaign_id: number;
  contact_id: number;
  inbox_id: number;
  step: number;
  occurrence: string;
  deferred_until: unknown;
  state: string;
  started_at: unknown;
  name: string | null;
  birthday: string | null;
  language: string | null;
  timezone: string | null;
  custom_fields: unknown;
  created_at: unknown;
}

interface Recipient {
  id: number;
  campaignId: number;
  contactId: number;
  inboxId: number;
  step: number;
  occurrence: string;
  deferredUntil: Date | null;
}

/**
 * The card as templates see it (the joined columns, plus its identities and tags), and what the send-time checks need:
 * its addresses on the suppression list for this channel and its latest consent for it. One statement.
 */
async function cardOf(em: EntityManager, row: RecipientRow, channel: string) {
  const contactId = Number(row.contact_id);
  const found = await rows<{ t: string; a: string; b: string | null; c: string | null }>(em,
    `select 'i' as t, kind as a, value as b, unreachable_reason as c from contact_identity where contact_id = ?
     union all select 't' as t, tag as a, null as b, null as c from contact_tag where contact_id = ?
     union all select 's' as t, address as a, reason as b, null as c from suppression where channel = ? and address in (select value from contact_identity where contact_id = ?)
     union all select 'c' as t, status as a, null as b, null as c from (select status from consent_record where contact_id = ? and channel = ? order by id desc limit 1) latest`,
    [contactId, contactId, channel, contactId, contactId, channel]);
  const customFields = typeof row.custom_fields === 'string' ? JSON.parse(row.custom_fields) : (row.custom_fields ?? {});
  const card: CardForTemplate = {
    id: contactId,
    name: row.name,
    birthday: row.birthday,
    language: row.language,
    timezone: row.timezone,
    customFields,
    createdAt: fromSqlTime(row.created_at) ?? new Date(0),
    tags: found.filter((r) => r.t === 't').map((r) => r.a).sort(),
    identities: found.filter((r) => r.t === 'i').map((r) => ({ kind: r.a, value: r.b!, unreachableReason: r.c })),
  };
  const suppressions = new Map(found.filter((r) => r.t === 's').map((r) => [r.a, r.b!]));
  return { card, suppressions, consent: found.find((r) => r.t === 'c')?.a ?? null };
}

/** Moves a row from `from` to `to` (one conditional UPDATE); false when another job got there first. */
async function settle(em: EntityManager, id: number, from: RecipientStatus, to: RecipientStatus, reason: string): Promise<boolean> {
  return (await run(em, 'update campaign_recipient set status = ?, failure_reason = ?, updated_at = ? where id = ? and status = ?', [to, reason, sqlTime(dialectOfEm(em), new Date()), id, from])) > 0;
}

export function startCampaignSendWorker(deps: CampaignSendDeps, connection: Redis, prefix: string, concurrency: number, lockDuration: number): Worker<CampaignSendJob> {
  return new Worker<CampaignSendJob>(CAMPAIGN_SEND_QUEUE, campaignSendProcessor({ ...deps, limiter: deps.limiter ?? new RateLimiter(connection, prefix) }), {
    connection,
    prefix,
    concurrency,
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    settings: { backoffStrategy: channelBackoff },
  });
}
