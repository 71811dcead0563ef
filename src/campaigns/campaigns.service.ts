import { randomBytes } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Queues } from '../../workers/queues.ts';
import { AppError, badRequest, conflict, notFound } from '../errors.ts';
import { Campaign, CampaignRecipient, Inbox, Segment, Template, type CampaignKind, type CampaignState, type QuietHours } from '../store/entities/index.ts';
import { rows } from '../store/sql.ts';
import { afterPosition, decodeCursor, page } from '../inbox/cursor.ts';
import type { CampaignEvents } from './campaign-events.ts';
import { campaignDto, COUNTED, zeroCounts, type CampaignDto, type CampaignStats, type Counts } from './campaign-dto.ts';
import type { Clock } from './clock.ts';
import { customFieldNames } from './custom-fields.ts';
import { enqueueSends, type CampaignInbox } from './ledger.ts';
import type { SegmentFilter } from './segment-filter.ts';
import type { SegmentsService } from './segments.service.ts';
import { bodyChannelFor, compileTemplate } from './template-engine.ts';
import { isTimeOfDay, isValidTimezone, parseLocalDateTime } from './zoned-time.ts';
import { estimateCampaign } from './estimate.ts';

export interface CampaignInput {
  name?: string;
  kind?: CampaignKind;
  templateId?: number;
  segmentId?: number | null;
  /** Inbox ids in fallback order. */
  channels?: number[];
  /** Local date and time (`YYYY-MM-DDTHH:MM`) in `timezone`, or an ISO timestamp with an offset; null: start when started. */
  scheduledAt?: string | null;
  timezone?: string;
  quietHours?: QuietHours | null;
  sendTime?: string | null;
  trackOpens?: boolean;
  trackClicks?: boolean;
  requireOptIn?: boolean;
}

const EDITABLE: CampaignState[] = ['draft', 'scheduled'];
/** A queued row untouched this long is handed to the queue again by the maintenance tick (its job id makes that harmless). */
const STALE_MS = 5 * 60_000;
export const expandJobId = (campaignId: number, generation: number) => `expand-${campaignId}-g${generation}`;
const startJobId = (campaignId: number, at: Date) => `start-${campaignId}-${at.getTime()}`;

/**
 * Campaign lifecycle: draft → (scheduled →) running ⇄ paused → completed, or cancelled from any of the first four.
 * Every transition is one conditional UPDATE on the state, so two marketers clicking at once cannot both win.
 */
export class CampaignsService {
  readonly #orm: MikroORM;
  readonly #queues: Queues;
  readonly #events: CampaignEvents;
  readonly #segments: SegmentsService;
  readonly #clock: Clock;
  readonly #batchSize: number;

  constructor(deps: { orm: MikroORM; queues: Queues; events: CampaignEvents; segments: SegmentsService; clock: Clock; batchSize: number }) {
    this.#orm = deps.orm;
    this.#queues = deps.queues;
    this.#events = deps.events;
    this.#segments = deps.segments;
    this.#clock = deps.clock;
    this.#batchSize = deps.batchSize;
  }

  async list(filter: { state?: CampaignState; kind?: CampaignKind } = {}): Promise<CampaignDto[]> {
    const where: Record<string, unknown> = {};
    if (filter.state) where.state = filter.state;
    if (filter.kind) where.kind = filter.kind;
    return (await this.#orm.em.fork().find(Campaign, where, { orderBy: { id: 'desc' }, limit: 500 })).map(campaignDto);
  }

  /** Every inbox a campaign may send through: id, kind and name only (marketers see no inbox settings or members). */
  async channels(): Promise<{ id: number; kind: string; name: string }[]> {
    const found = await this.#orm.em.fork().find(Inbox, {}, { fields: ['id', 'kind', 'name'], orderBy: { id: 'asc' } });
    return found.map((i) => ({ id: i.id, kind: i.kind, name: i.name }));
  }

  async get(id: number): Promise<CampaignDto> {
    return campaignDto(await this.#load(this.#orm.em.fork(), id));
  }

  async create(input: CampaignInput & { name: string; templateId: number; channels: number[] }, actorId: number): Promise<CampaignDto> {
    const em = this.#orm.em.fork();
    const campaign = em.create(Campaign, { name: input.name, channels: [], secret: randomBytes(24).toString('base64url'), createdBy: actorId });
    await this.#apply(em, campaign, input);
    await em.flush();
    return campaignDto(campaign);
  }

  async update(id: number, input: CampaignInput): Promise<CampaignDto> {
    const em = this.#orm.em.fork();
    const campaign = await this.#load(em, id);
    if (!EDITABLE.includes(campaign.state)) throw conflict(`A ${campaign.state} campaign cannot be edited`);
    await this.#apply(em, campaign, input);
    await em.flush();
    this.#announce(campaign);
    return campaignDto(campaign);
  }

  async remove(id: number): Promise<void> {
    const em = this.#orm.em.fork();
    const campaign = await this.#load(em, id);
    if (campaign.state !== 'draft') throw conflict('Only a draft can be deleted; cancel the campaign instead (its statistics stay)');
    await em.remove(campaign).flush();
  }

  async #apply(em: EntityManager, campaign: Campaign, input: CampaignInput): Promise<void> {
    if (input.name !== undefined) campaign.name = input.name;
    if (input.kind !== undefined) campaign.kind = input.kind;
    if (input.timezone !== undefined) {
      if (!isValidTimezone(input.timezone)) throw badRequest(`"${input.timezone}" is not a timezone (use an IANA name such as Europe/Berlin)`);
      campaign.timezone = input.timezone;
    }
    if (input.templateId !== undefined) {
      const template = await em.findOne(Template, input.templateId);
      if (!template) throw notFound('Template');
      campaign.template = template;
    }
    if (input.segmentId !== undefined) {
      if (input.segmentId === null) campaign.segment = null;
      else {
        const segment = await em.findOne(Segment, input.segmentId);
        if (!segment) throw notFound('Segment');
        campaign.segment = segment;
      }
    }
    if (input.channels !== undefined) {
      if (new Set(input.channels).size !== input.channels.length) throw badRequest('An inbox appears twice in the channel order');
      const inboxes = await em.find(Inbox, { id: { $in: input.channels } }, { fields: ['id'] });
      if (inboxes.length !== input.channels.length) throw badRequest('Unknown inbox id(s) in channels');
      campaign.channels = input.channels;
    }
    if (input.quietHours !== undefined) {
      if (input.quietHours && (!isTimeOfDay(input.quietHours.start) || !isTimeOfDay(input.quietHours.end) || input.quietHours.start === input.quietHours.end)) {
        throw badRequest('Quiet hours are two different times of day, HH:MM (e.g. 21:00 to 08:00)');
      }
      campaign.quietHours = input.quietHours;
    }
    if (input.sendTime !== undefined) {
      if (input.sendTime !== null && !isTimeOfDay(input.sendTime)) throw badRequest('sendTime is a time of day, HH:MM');
      campaign.sendTime = input.sendTime;
    }
    if (input.scheduledAt !== undefined || input.timezone !== undefined) {
      const raw = input.scheduledAt !== undefined ? input.scheduledAt : null;
      if (raw) {
        const at = /[zZ]|[+-]\d{2}:?\d{2}$/.test(raw) ? new Date(raw) : parseLocalDateTime(raw, campaign.timezone);
        if (!at || Number.isNaN(at.getTime())) throw badRequest(`"${raw}" is not a date and time (YYYY-MM-DDTHH:MM, local to the campaign's timezone)`);
        campaign.scheduledAt = at;
      } else if (input.scheduledAt !== undefined) campaign.scheduledAt = null;
    }
    for (const flag of ['trackOpens', 'trackClicks', 'requireOptIn'] as const) if (input[flag] !== undefined) campaign[flag] = input[flag];
    if (!campaign.channels.length) throw badRequest('A campaign needs at least one channel (an inbox id)');
    if (campaign.kind === 'birthday' && campaign.scheduledAt) throw badRequest('A birthday campaign runs every day at its sendTime; it has no start time');
  }

  /** Who would receive it now: matching cards, and per channel how many it would go to, how many are blocked and why. */
  async estimate(id: number) {
    const em = this.#orm.em.fork();
    const campaign = await this.#load(em, id);
    const inboxes = await this.#inboxes(em, campaign.channels);
    const filter = campaign.snapshot?.filter ?? campaign.segment?.filter ?? {};
    return estimateCampaign(em, this.#segments, filter, inboxes, campaign.requireOptIn, this.#batchSize);
  }

  /** Starts now, or schedules for `scheduledAt`. A birthday campaign becomes active. The template and segment are frozen here. */
  async start(id: number): Promise<CampaignDto> {
    const em = this.#orm.em.fork();
    const campaign = await this.#load(em, id);
    if (campaign.state !== 'draft' && campaign.state !== 'scheduled') throw conflict(`A ${campaign.state} campaign cannot be started`);
    if (!campaign.template) throw badRequest('The campaign has no template (it was deleted); choose one');
    const { compiled, problems } = compileTemplate(campaign.template.bodies, await customFieldNames(em));
    if (!compiled) throw new AppError('VALIDATION', `The template has errors: ${problems.map((p) => p.message).join('; ')}`);
    const inboxes = await this.#inboxes(em, campaign.channels);
    const missing = inboxes.filter((i) => !bodyChannelFor(compiled, i.kind));
    if (missing.length) throw badRequest(`The template has no body for ${missing.map((i) => i.kind).join(', ')} (and no default)`);
    if (campaign.kind === 'birthday' && !campaign.sendTime) throw badRequest('A birthday campaign needs a sendTime (HH:MM, local to each card)');
    const filter: SegmentFilter = campaign.segment?.filter ?? {};
    await this.#segments.count(filter, em); // the filter still runs

    const now = this.#clock.now();
    const later = campaign.kind === 'one-off' && campaign.scheduledAt && campaign.scheduledAt > now;
    const to: CampaignState = later ? 'scheduled' : 'running';
    const changed = await em.nativeUpdate(Campaign, { id, state: campaign.state }, {
      state: to, snapshot: { bodies: campaign.template.bodies, filter }, ...(to === 'running' ? { startedAt: now } : {}), updatedAt: new Date(),
    });
    if (!changed) throw conflict('The campaign changed meanwhile; reload it');
    await em.refresh(campaign);
    if (to === 'scheduled') await this.#queues.campaign.add('start', { campaignId: id }, { jobId: startJobId(id, campaign.scheduledAt!), delay: Math.max(0, campaign.scheduledAt!.getTime() - now.getTime()) });
    else if (campaign.kind === 'one-off') await this.#expand(campaign);
    this.#announce(campaign);
    return campaignDto(campaign);
  }

  /** A scheduled campaign whose time has come starts running (the delayed `start` job, or the maintenance tick). */
  async begin(id: number): Promise<boolean> {
    const em = this.#orm.em.fork();
    const scheduled = await em.findOne(Campaign, { id, state: 'scheduled' }, { populate: ['template', 'segment'] });
    if (!scheduled) return false;
    // A scheduled campaign may have been edited since it was scheduled: it sends what it says now.
    const snapshot = scheduled.template ? { bodies: scheduled.template.bodies, filter: scheduled.segment?.filter ?? {} } : scheduled.snapshot;
    const changed = await em.nativeUpdate(Campaign, { id, state: 'scheduled', scheduledAt: { $lte: this.#clock.now() } }, { state: 'running', snapshot, startedAt: this.#clock.now(), updatedAt: new Date() });
    if (!changed) return false;
    await em.refresh(scheduled);
    await this.#expand(scheduled);
    this.#announce(scheduled);
    return true;
  }

  async pause(id: number): Promise<CampaignDto> {
    return this.#transition(id, ['running'], 'paused', { pausedAt: new Date() });
  }

  /** Resumes a paused campaign: its waiting rows are queued again under fresh job ids, and an unfinished expansion carries on. */
  async resume(id: number): Promise<CampaignDto> {
    const em = this.#orm.em.fork();
    const campaign = await this.#load(em, id);
    if (campaign.state !== 'paused') throw conflict(`A ${campaign.state} campaign cannot be resumed`);
    const changed = await em.nativeUpdate(Campaign, { id, state: 'paused', generation: campaign.generation }, { state: 'running', pausedAt: null, generation: campaign.generation + 1, updatedAt: new Date() });
    if (!changed) throw conflict('The campaign changed meanwhile; reload it');
    await em.refresh(campaign);
    if (campaign.kind === 'one-off') {
      await this.requeueWaiting(campaign.id, campaign.generation);
      if (!campaign.expandedAt) await this.#expand(campaign);
    }
    this.#announce(campaign);
    return campaignDto(campaign);
  }

  /** Stops for good: rows not yet sent become `cancelled`; a send already handed to the channel finishes. */
  async cancel(id: number): Promise<CampaignDto> {
    const dto = await this.#transition(id, ['draft', 'scheduled', 'running', 'paused'], 'cancelled', { cancelledAt: new Date() });
    await this.#orm.em.fork().nativeUpdate(CampaignRecipient, { campaign: id, status: 'queued' }, { status: 'cancelled', failureReason: 'The campaign was cancelled', updatedAt: new Date() });
    return dto;
  }

  async #transition(id: number, from: CampaignState[], to: CampaignState, extra: Partial<Campaign>): Promise<CampaignDto> {
    const em = this.#orm.em.fork();
    const campaign = await this.#load(em, id);
    if (!from.includes(campaign.state)) throw conflict(`A ${campaign.state} campaign cannot be ${to === 'paused' ? 'paused' : to}`);
    const changed = await em.nativeUpdate(Campaign, { id, state: campaign.state }, { state: to, ...extra, updatedAt: new Date() } as never);
    if (!changed) throw conflict('The campaign changed meanwhile; reload it');
    await em.refresh(campaign);
    this.#announce(campaign);
    return campaignDto(campaign);
  }

  /** Marks a running one-off campaign completed once the ledger is complete and nothing waits or is in flight. */
  async completeIfDone(id: number): Promise<boolean> {
    const em = this.#orm.em.fork();
    const campaign = await em.findOne(Campaign, id);
    if (!campaign || campaign.state !== 'running' || campaign.kind !== 'one-off' || !campaign.expandedAt) return false;
    const [open] = await rows<{ n: number | string }>(em, "select count(*) as n from campaign_recipient where campaign_id = ? and status in ('queued', 'sending')", [id]);
    if (Number(open?.n ?? 0) > 0) return false;
    const changed = await em.nativeUpdate(Campaign, { id, state: 'running' }, { state: 'completed', completedAt: this.#clock.now(), updatedAt: new Date() });
    if (!changed) return false;
    await em.refresh(campaign);
    this.#announce(campaign);
    return true;
  }

  /** Maintenance: start scheduled campaigns that are due, complete finished ones. */
  async tick(): Promise<void> {
    const em = this.#orm.em.fork();
    const due = await em.find(Campaign, { state: 'scheduled', scheduledAt: { $lte: this.#clock.now() } }, { fields: ['id'] });
    for (const { id } of due) await this.begin(id);
    const running = await em.find(Campaign, { state: 'running', kind: 'one-off', expandedAt: { $ne: null } }, { fields: ['id', 'generation'] });
    for (const { id, generation } of running) {
      if (await this.completeIfDone(id)) continue;
      // Rows written but never handed to the queue (the process died between the two), or whose jobs Redis lost.
      const stale = new Date(Date.now() - STALE_MS);
      const now = this.#clock.now();
      const orphans = await em.find(CampaignRecipient, { campaign: id, status: 'queued', updatedAt: { $lt: stale }, $or: [{ deferredUntil: null }, { deferredUntil: { $lt: now } }] }, { fields: ['id'], limit: 1000 });
      await enqueueSends(this.#queues.campaignSend, orphans.map((r) => r.id), generation);
    }
  }

  /** Queues every waiting row of a campaign again (after a resume, or at worker start in case Redis lost jobs). */
  async requeueWaiting(campaignId: number, generation: number): Promise<number> {
    const em = this.#orm.em.fork();
    let after = 0;
    let total = 0;
    for (;;) {
      const ids = (await rows<{ id: number }>(em, "select id from campaign_recipient where campaign_id = ? and status = 'queued' and id > ? order by id limit ?", [campaignId, after, 5000])).map((r) => Number(r.id));
      if (!ids.length) return total;
      await enqueueSends(this.#queues.campaignSend, ids, generation);
      total += ids.length;
      after = ids.at(-1)!;
    }
  }

  /** At worker start: running campaigns get their waiting rows and unfinished expansions queued again (job ids make it harmless). */
  async requeueRunning(): Promise<number> {
    const running = await this.#orm.em.fork().find(Campaign, { state: 'running', kind: 'one-off' });
    let total = 0;
    for (const campaign of running) {
      total += await this.requeueWaiting(campaign.id, campaign.generation);
      if (!campaign.expandedAt) await this.#expand(campaign);
    }
    return total;
  }

  async #expand(campaign: Campaign): Promise<void> {
    await this.#queues.campaign.add('expand', { campaignId: campaign.id, generation: campaign.generation }, { jobId: expandJobId(campaign.id, campaign.generation) });
  }

  async stats(id: number): Promise<CampaignStats> {
    const em = this.#orm.em.fork();
    const campaign = await this.#load(em, id);
    const found = await rows<{ inbox_id: number; status: string; n: number | string; opened: number | string; clicked: number | string; unsubscribed: number | string }>(em,
      'select inbox_id, status, count(*) as n, count(opened_at) as opened, count(clicked_at) as clicked, count(unsubscribed_at) as unsubscribed from campaign_recipient where campaign_id = ? group by inbox_id, status', [id]);
    const [cards] = await rows<{ n: number | string }>(em, 'select count(distinct contact_id) as n from campaign_recipient where campaign_id = ?', [id]);
    const inboxes = new Map((await em.find(Inbox, { id: { $in: [...new Set([...campaign.channels, ...found.map((r) => Number(r.inbox_id))])] } }, { fields: ['id', 'kind', 'name'] })).map((i) => [i.id, i]));
    const counts = zeroCounts();
    const byInbox = new Map<number, Counts>(campaign.channels.map((inboxId) => [inboxId, zeroCounts()]));
    let total = 0;
    for (const r of found) {
      const inboxId = Number(r.inbox_id);
      const channel = byInbox.get(inboxId) ?? byInbox.set(inboxId, zeroCounts()).get(inboxId)!;
      const n = Number(r.n);
      total += n;
      if ((COUNTED as readonly string[]).includes(r.status)) {
        counts[r.status as keyof Counts] += n;
        channel[r.status as keyof Counts] += n;
      }
      for (const key of ['opened', 'clicked', 'unsubscribed'] as const) {
        counts[key] += Number(r[key]);
        channel[key] += Number(r[key]);
      }
    }
    return {
      campaignId: id,
      state: campaign.state,
      expanded: !!campaign.expandedAt,
      recipients: Number(cards?.n ?? 0),
      total,
      counts,
      byChannel: [...byInbox].map(([inboxId, c]) => ({ inboxId, kind: inboxes.get(inboxId)?.kind ?? 'unknown', name: inboxes.get(inboxId)?.name ?? '', counts: c })),
      at: new Date().toISOString(),
    };
  }

  /** The ledger, newest first, filtered by status: failures with their reasons, who was skipped and why. */
  async recipients(id: number, options: { status?: string; cursor?: string; limit: number }) {
    const em = this.#orm.em.fork();
    await this.#load(em, id);
    const where: Record<string, unknown>[] = [{ campaign: id }];
    if (options.status) where.push({ status: options.status });
    if (options.cursor) where.push(afterPosition('updatedAt', decodeCursor(options.cursor)));
    const found = await em.find(CampaignRecipient, { $and: where }, { orderBy: { updatedAt: 'desc', id: 'desc' }, limit: options.limit + 1, populate: ['contact'], fields: ['id', 'status', 'failureReason', 'address', 'inbox', 'step', 'externalId', 'sentAt', 'deferredUntil', 'openedAt', 'clickedAt', 'unsubscribedAt', 'updatedAt', 'occurrence', 'contact.id', 'contact.name'] as never });
    const { items, nextCursor } = page(found, options.limit, (r) => r.updatedAt);
    return {
      items: items.map((r) => ({
        id: r.id,
        contactId: r.contact.id,
        contactName: r.contact.name ?? null,
        inboxId: r.inbox.id,
        step: r.step,
        address: r.address,
        status: r.status,
        failureReason: r.failureReason ?? null,
        externalId: r.externalId ?? null,
        occurrence: r.occurrence,
        sentAt: r.sentAt?.toISOString() ?? null,
        deferredUntil: r.deferredUntil?.toISOString() ?? null,
        openedAt: r.openedAt?.toISOString() ?? null,
        clickedAt: r.clickedAt?.toISOString() ?? null,
        unsubscribedAt: r.unsubscribedAt?.toISOString() ?? null,
        updatedAt: r.updatedAt.toISOString(),
      })),
      nextCursor,
    };
  }

  async #inboxes(em: EntityManager, ids: number[]): Promise<CampaignInbox[]> {
    const found = new Map((await em.find(Inbox, { id: { $in: ids } }, { fields: ['id', 'kind'] })).map((i) => [i.id, { id: i.id, kind: i.kind }]));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw badRequest(`Inbox(es) ${missing.join(', ')} no longer exist; edit the campaign's channels`);
    return ids.map((id) => found.get(id)!);
  }

  async #load(em: EntityManager, id: number): Promise<Campaign> {
    const campaign = await em.findOne(Campaign, id, { populate: ['template', 'segment'] });
    if (!campaign) throw notFound('Campaign');
    return campaign;
  }

  #announce(campaign: Campaign): void {
    this.#events.publish({ type: 'campaign.updated', campaignId: campaign.id, payload: { campaign: campaignDto(campaign) } });
  }
}
