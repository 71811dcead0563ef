import type { MikroORM } from '@mikro-orm/core';
import type { StatusEvent } from '../../channels/channel-adapter.ts';
import { Campaign, CampaignRecipient, Inbox, type RecipientStatus } from '../store/entities/index.ts';
import type { ConsentService } from './consent.service.ts';
import { tokenRecipient, verifyToken } from './links.ts';
import type { CampaignProgress } from './progress.ts';
import { consentChannel } from './recipient-address.ts';

/** The order a sent row's status may move in (reports arrive out of order); as for replies (inbox/message-status.ts). */
const RANK: Partial<Record<RecipientStatus, number>> = { sent: 2, failed: 3, delivered: 4, read: 5 };
const below = (status: RecipientStatus) => (Object.keys(RANK) as RecipientStatus[]).filter((s) => RANK[s]! < RANK[status]!);

export interface Unsubscribed {
  channel: string;
  address: string;
  campaignName: string;
  already: boolean;
}

/** What recipients do with a campaign message: unsubscribe (RFC 8058 one-click or the confirmation page), open, click; and delivery reports. */
export class TrackingService {
  readonly #orm: MikroORM;
  readonly #consent: ConsentService;
  readonly #progress: () => CampaignProgress | undefined;

  constructor(orm: MikroORM, consent: ConsentService, progress: () => CampaignProgress | undefined) {
    this.#orm = orm;
    this.#consent = consent;
    this.#progress = progress;
  }

  /** The row and campaign a token names, when its signature is right. */
  async #resolve(token: string, purpose: 'unsubscribe' | 'open' | 'click', extra = '') {
    const id = tokenRecipient(token);
    if (id === null) return null;
    const em = this.#orm.em.fork();
    const row = await em.findOne(CampaignRecipient, id);
    if (!row) return null;
    const campaign = await em.findOneOrFail(Campaign, row.campaign.id);
    if (!verifyToken(token, campaign.secret, purpose, extra)) return null;
    const inbox = await em.findOneOrFail(Inbox, row.inbox.id, { fields: ['id', 'kind'] });
    return { em, row, campaign, inbox };
  }

  /** Who a link would unsubscribe (for the confirmation page), without changing anything. */
  async describe(token: string): Promise<{ channel: string; address: string; campaignName: string; already: boolean } | null> {
    const found = await this.#resolve(token, 'unsubscribe');
    if (!found) return null;
    return { channel: consentChannel(found.inbox.kind), address: found.row.address, campaignName: found.campaign.name, already: !!found.row.unsubscribedAt };
  }

  /** Unsubscribes at once: an opt-out record for the card on that channel, the address suppressed, the row marked. Idempotent. */
  async unsubscribe(token: string, source: string): Promise<Unsubscribed | null> {
    const found = await this.#resolve(token, 'unsubscribe');
    if (!found) return null;
    const { em, row, campaign, inbox } = found;
    const channel = consentChannel(inbox.kind);
    const marked = await em.nativeUpdate(CampaignRecipient, { id: row.id, unsubscribedAt: null }, { unsubscribedAt: new Date() });
    if (marked) {
      await this.#consent.record(row.contact.id, { channel, status: 'opt-out', source, text: `Unsubscribed from "${campaign.name}"`, campaignId: campaign.id });
      if (row.address) await this.#consent.suppress(channel, row.address, 'unsubscribed', { campaignId: campaign.id });
      this.#progress()?.touch(campaign.id);
    }
    return { channel, address: row.address, campaignName: campaign.name, already: !marked };
  }

  async opened(token: string): Promise<void> {
    const found = await this.#resolve(token, 'open');
    if (!found) return;
    if (await found.em.nativeUpdate(CampaignRecipient, { id: found.row.id, openedAt: null }, { openedAt: new Date() })) this.#progress()?.touch(found.campaign.id);
  }

  /** Records a click and returns where to send the person; null when the link was not one we signed. */
  async clicked(token: string, target: string): Promise<string | null> {
    if (!/^https?:\/\//i.test(target)) return null;
    const found = await this.#resolve(token, 'click', target);
    if (!found) return null;
    const changes = { clickedAt: new Date() };
    if (await found.em.nativeUpdate(CampaignRecipient, { id: found.row.id, clickedAt: null }, changes)) this.#progress()?.touch(found.campaign.id);
    // A click proves the message was opened, even when images were blocked.
    await found.em.nativeUpdate(CampaignRecipient, { id: found.row.id, openedAt: null }, { openedAt: new Date() });
    return target;
  }

  /** A channel's delivery report for a campaign send (ingest passes on the ones that match no reply). */
  async status(event: StatusEvent): Promise<{ updated: boolean }> {
    const em = this.#orm.em.fork();
    const row = await em.findOne(CampaignRecipient, { inbox: event.inboxId, externalId: event.externalMessageId }, { orderBy: { id: 'desc' } });
    if (!row) return { updated: false };
    const changed = await em.nativeUpdate(CampaignRecipient, { id: row.id, status: { $in: below(event.status) } }, { status: event.status, updatedAt: new Date(), ...(event.status === 'failed' ? { failureReason: event.reason ?? 'The channel reported the message failed' } : {}) });
    if (changed) this.#progress()?.touch(row.campaign.id);
    return { updated: changed > 0 };
  }
}
