import type { CampaignEvents } from './campaign-events.ts';
import type { CampaignsService } from './campaigns.service.ts';

/**
 * Pushes live progress without a message per recipient: a send marks its campaign "touched", and at most every
 * `intervalMs` each touched campaign's counts are read once and published (then checked for completion).
 * Every process that sends does this for the campaigns it touched; the counts come from the ledger, so they agree.
 */
export class CampaignProgress {
  readonly #touched = new Set<number>();
  readonly #campaigns: CampaignsService;
  readonly #events: CampaignEvents;
  readonly #timer: NodeJS.Timeout;
  #flushing = false;

  constructor(campaigns: CampaignsService, events: CampaignEvents, intervalMs: number) {
    this.#campaigns = campaigns;
    this.#events = events;
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  touch(campaignId: number): void {
    this.#touched.add(campaignId);
  }

  async flush(): Promise<void> {
    if (this.#flushing || this.#touched.size === 0) return;
    this.#flushing = true;
    try {
      const ids = [...this.#touched];
      this.#touched.clear();
      for (const id of ids) {
        try {
          await this.#campaigns.completeIfDone(id);
          const stats = await this.#campaigns.stats(id);
          this.#events.publish({ type: 'campaign.progress', campaignId: id, payload: { ...stats } });
        } catch {
          // Deleted meanwhile, or the database is briefly away: the next touch tries again.
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
