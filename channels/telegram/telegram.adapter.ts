import { Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { ChannelAdapter, ChannelAddress, ChannelCapabilities, ChannelStatus, InboundSink, InboxConfig, OutboundMessage, WebhookRequest, WebhookResponse } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import type { AdapterContext } from '../registry.ts';
import { telegramError } from './telegram-errors.ts';
import { TelegramFiles } from './telegram-files.ts';
import { ALLOWED_UPDATES, normalizeUpdate } from './telegram-inbound.ts';
import { sleep } from '../abortable-sleep.ts';
import { grammySignal, pollUpdates } from './telegram-poller.ts';
import { TelegramSender } from './telegram-sender.ts';
import { DEFAULT_TELEGRAM, telegramSettings, webhookSecretToken, webhookUrl, type TelegramOptions, type TelegramSettings } from './telegram-settings.ts';
import { readWebhookUpdate } from './telegram-webhook.ts';

interface Ready {
  settings: TelegramSettings;
  api: Api;
  files: TelegramFiles;
  sender: TelegramSender;
}

/**
 * The Telegram channel: one bot per inbox, through the Bot API (grammY's `Api`, no framework on top).
 * Receives by webhook (Telegram posts to /api/v1/channels/<inbox>/webhook with our secret) or by long polling
 * (for servers without a public HTTPS address; then one server process polls, see `singleReceiver`).
 */
export class TelegramAdapter implements ChannelAdapter {
  readonly kind = 'telegram' as const;
  /** Telegram allows about 1 message/s per chat and 30/s per bot (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). */
  readonly capabilities: ChannelCapabilities = {
    html: false,
    attachments: true,
    typing: true,
    receipts: false,
    rateLimits: { perThread: { max: 1, perMs: 1000 }, perAccount: { max: 30, perMs: 1000 } },
  };
  readonly #inbox: InboxConfig;
  readonly #context: AdapterContext;
  readonly #options: TelegramOptions;
  readonly #stopping = new AbortController();
  #settings?: TelegramSettings;
  #api?: Api;
  #files?: TelegramFiles;
  #sender?: TelegramSender;
  #sink?: InboundSink;
  #receiving?: Promise<void>;

  constructor(inbox: InboxConfig, context: AdapterContext) {
    this.#inbox = inbox;
    this.#context = context;
    this.#options = { ...DEFAULT_TELEGRAM, ...context.telegram };
  }

  /** Long polling holds a connection, so only one server process may poll a bot; webhooks land anywhere. */
  get singleReceiver(): boolean {
    return this.#inbox.settings.mode === 'polling';
  }

  #ready(): Ready {
    this.#settings ??= telegramSettings(this.#inbox);
    const { botToken } = this.#settings;
    this.#api ??= new Api(botToken, { apiRoot: this.#options.apiRoot, timeoutSeconds: this.#options.pollTimeoutSeconds + 15 });
    this.#files ??= new TelegramFiles(this.#api, { apiRoot: this.#options.apiRoot, token: botToken, store: this.#context.attachments });
    this.#sender ??= new TelegramSender(this.#api, this.#context.attachments);
    return { settings: this.#settings, api: this.#api, files: this.#files, sender: this.#sender };
  }

  async start(sink: InboundSink, signal: AbortSignal): Promise<void> {
    const report = (status: ChannelStatus, detail?: string) => void sink.state?.({ inboxId: this.#inbox.id, status, detail, at: new Date() })?.catch(() => {});
    let ready: Ready;
    try {
      ready = this.#ready();
    } catch (error) {
      report('error', (error as Error).message);
      return;
    }
    if (this.#receiving || this.#stopping.signal.aborted) return;
    this.#sink = sink;
    const stopped = AbortSignal.any([signal, this.#stopping.signal]);
    const handle = (update: Update) => this.#handle(update, sink);
    // Neither waits: start returns at once, and the state report tells admins how it went.
    this.#receiving = ready.settings.mode === 'polling'
      ? pollUpdates({ api: ready.api, timeoutSeconds: this.#options.pollTimeoutSeconds, handle, report }, stopped)
      : this.#registerWebhook(ready.api, report, stopped);
    this.#receiving = this.#receiving.catch((error: unknown) => report('error', telegramError(error).message));
  }

  /** Tells Telegram where to post updates; retried with backoff while the API cannot be reached. */
  async #registerWebhook(api: Api, report: (status: ChannelStatus, detail?: string) => void, signal: AbortSignal): Promise<void> {
    const url = webhookUrl(this.#context.publicUrl, this.#inbox.id);
    for (let delay = 1000; !signal.aborted; delay = Math.min(delay * 2, 60_000)) {
      try {
        await api.setWebhook(url, { secret_token: webhookSecretToken(this.#inbox.secret), allowed_updates: [...ALLOWED_UPDATES] }, grammySignal(signal));
        report('connected', `Webhook set to ${url}`);
        return;
      } catch (error) {
        if (signal.aborted) return;
        const failure = telegramError(error);
        // A refused URL (not HTTPS, wrong port) or token will not fix itself: say so and stop trying.
        if (!failure.retryable) return report('error', `Telegram refused the webhook ${url}: ${failure.message}`);
        report('disconnected', `${failure.message}; retrying in ${delay / 1000} s`);
        await sleep(failure.retryAfterMs ?? delay, signal);
      }
    }
  }

  /** Hands one update to the inbox; throws (so it is not confirmed) when storing it failed. */
  async #handle(update: Update, sink: InboundSink): Promise<void> {
    const result = await normalizeUpdate(update, this.#inbox.id, this.#ready().files);
    if (result.type === 'message') await sink.message(result.inbound);
    else if (result.type === 'edit') await sink.edit(result.edit);
  }

  /**
   * A Telegram webhook call. The update is stored before we answer 200, so an acknowledged update is never lost;
   * a failure answers 500 and Telegram sends it again (a copy already stored is deduplicated by ingest).
   */
  async webhook(request: WebhookRequest): Promise<WebhookResponse> {
    let ready: Ready;
    try {
      ready = this.#ready();
    } catch (error) {
      return { status: 404, body: { error: { code: 'NOT_FOUND', message: (error as Error).message } } };
    }
    const read = readWebhookUpdate(request, webhookSecretToken(this.#inbox.secret));
    if ('response' in read) return read.response;
    if (ready.settings.mode !== 'webhook') return { status: 409, body: { error: { code: 'CONFLICT', message: 'This inbox receives by long polling' } } };
    if (!this.#sink) return { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'Not receiving yet' } } };
    try {
      await this.#handle(read.update, this.#sink);
    } catch (error) {
      return { status: 500, body: { error: { code: 'INTERNAL', message: telegramError(error).message } } };
    }
    return { status: 200, body: { ok: true } };
  }

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    return this.#ready().sender.send(to, message);
  }

  /** "typing…" shows for 5 seconds or until our next message (https://core.telegram.org/bots/api#sendchataction). */
  async typing(to: ChannelAddress): Promise<void> {
    try {
      await this.#ready().api.sendChatAction(to.externalThreadId || to.externalUserId, 'typing');
    } catch (error) {
      throw telegramError(error);
    }
  }

  /** Asks Telegram who the bot is: a wrong token fails here, when the admin saves the inbox. */
  async verify(): Promise<{ displayName?: string; settings?: Record<string, unknown> }> {
    const { api } = this.#ready();
    let me;
    try {
      me = await api.getMe();
    } catch (error) {
      const failure = telegramError(error);
      if (failure.code === 'AUTH') throw new ChannelError('AUTH', 'Telegram did not accept this bot token (check it with @BotFather)', { cause: error });
      throw failure;
    }
    return { displayName: me.username ? `${me.first_name} (@${me.username})` : me.first_name, settings: { botId: me.id, botUsername: me.username ?? null, mode: this.#inbox.settings.mode ?? 'webhook' } };
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#receiving;
  }
}
