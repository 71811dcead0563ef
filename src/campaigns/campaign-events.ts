import { EventEmitter } from 'node:events';

/** What marketers see live (over the `/marketers` socket namespace, see gateway/marketer.gateway.ts). */
export type CampaignEventType = 'campaign.updated' | 'campaign.progress';

export interface CampaignEvent {
  type: CampaignEventType;
  campaignId: number;
  payload: Record<string, unknown>;
}

/**
 * In-process bus for campaign changes and progress. Progress is a snapshot (the whole count each time),
 * so a missed push costs nothing: the next one, or `GET /campaigns/:id/stats`, has everything.
 */
export class CampaignEvents {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  publish(event: CampaignEvent): void {
    this.#emitter.emit('event', event);
  }

  subscribe(listener: (event: CampaignEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}
