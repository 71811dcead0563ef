import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import { sleep } from '../abortable-sleep.ts';
import type { ChannelStatus } from '../channel-adapter.ts';
import { telegramError } from './telegram-errors.ts';
import { ALLOWED_UPDATES } from './telegram-inbound.ts';

export interface PollerOptions {
  api: Api;
  timeoutSeconds: number;
  /** Stores one update; throwing leaves it unconfirmed, so it is fetched again. */
  handle(update: Update): Promise<void>;
  report(status: ChannelStatus, detail?: string): void;
  /** Backoff after a failure, doubling up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** An update that keeps failing is skipped after this many tries, so one bad update cannot stop the inbox. */
const MAX_TRIES_PER_UPDATE = 5;

/** grammY types its signal with the `abort-controller` polyfill's type; Node's own AbortSignal is what it uses at run time. */
export const grammySignal = (signal: AbortSignal) => signal as unknown as Parameters<Api['getMe']>[0];

/**
 * Long polling (https://core.telegram.org/bots/api#getupdates). Telegram forgets an update once a later poll asks
 * from an offset past it, so the offset only moves past updates that were stored: a crash between the two means the
 * update comes again, and ingest's dedup keeps it once. Runs until `signal` aborts.
 */
export async function pollUpdates(options: PollerOptions, signal: AbortSignal): Promise<void> {
  const { api, handle, report } = options;
  const minBackoff = options.minBackoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 60_000;
  let backoff = minBackoff;
  let offset: number | undefined;
  let webhookRemoved = false;
  let connected = false;
  const tries = new Map<number, number>();

  const failed = async (error: unknown) => {
    const failure = telegramError(error);
    connected = false;
    report(failure.code === 'AUTH' ? 'error' : 'disconnected', `${failure.message}; retrying in ${Math.round(backoff / 1000)} s`);
    await sleep(backoff, signal);
    backoff = Math.min(backoff * 2, maxBackoff);
  };

  while (!signal.aborted) {
    let updates: Update[];
    try {
      // getUpdates answers 409 while a webhook is set: a bot switched from webhook to polling drops it first.
      if (!webhookRemoved) {
        await api.deleteWebhook({ drop_pending_updates: false }, grammySignal(signal));
        webhookRemoved = true;
      }
      updates = await api.getUpdates({ offset, timeout: options.timeoutSeconds, allowed_updates: [...ALLOWED_UPDATES] }, grammySignal(signal));
    } catch (error) {
      if (signal.aborted) break;
      // 409: a webhook was set meanwhile (this inbox switched to webhook mode on another server, which this one hears
      // of shortly, or another install uses the token), or another getUpdates runs with it. Deleting the webhook
      // again here could undo that switch, so we only wait and say so.
      await failed(error);
      continue;
    }
    if (!connected) {
      connected = true;
      report('connected');
    }
    backoff = minBackoff;
    for (const update of updates) {
      if (signal.aborted) return;
      try {
        await handle(update);
      } catch (error) {
        const count = (tries.get(update.update_id) ?? 0) + 1;
        tries.set(update.update_id, count);
        if (count < MAX_TRIES_PER_UPDATE) {
          await failed(error);
          break; // poll again from this update
        }
        report('connected', `Skipped Telegram update ${update.update_id} after ${count} failed tries: ${telegramError(error).message}`);
      }
      tries.delete(update.update_id);
      offset = update.update_id + 1;
    }
  }
}
