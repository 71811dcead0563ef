import type { ChannelAdapter, ChannelAddress, ConnectionCheck, InboundSink, InboxConfig, OutboundMessage, WebhookRequest, WebhookResponse } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import type { AdapterContext } from '../registry.ts';
import type { SmppOptions } from './smpp-connection.ts';
import { SmppProvider } from './smpp.provider.ts';
import type { SmsProvider } from './sms-provider.ts';
import { smsSettings } from './sms-settings.ts';
import { TwilioProvider } from './twilio.provider.ts';

/** SMPP timings when the server does not set them (SMS_* in config.ts). */
export const DEFAULT_SMPP_OPTIONS: SmppOptions = { enquireLinkMs: 30_000, requestTimeoutMs: 10_000, reconnectMinMs: 1000, reconnectMaxMs: 5 * 60_000 };

/**
 * SMS as a two-way channel, through one of two providers chosen by `settings.provider`: `smpp` (a bind to an SMS
 * centre) or `http` (a Twilio-compatible API with webhooks). Text only; long texts go as concatenated parts, and
 * what a text costs is computed by sms-segments.ts (shown under the reply box via POST /api/v1/sms/segments).
 */
export class SmsAdapter implements ChannelAdapter {
  readonly kind = 'sms' as const;
  readonly capabilities = { html: false, attachments: false, typing: false, receipts: true };
  readonly singleReceiver: boolean;
  readonly #provider: SmsProvider | null;
  readonly #problem?: ChannelError;
  readonly #inboxId: number;

  constructor(inbox: InboxConfig, context: AdapterContext) {
    this.#inboxId = inbox.id;
    let provider: SmsProvider | null = null;
    try {
      const settings = smsSettings(inbox);
      provider = settings.provider === 'smpp'
        ? new SmppProvider(inbox, settings, context.sms ?? DEFAULT_SMPP_OPTIONS)
        : new TwilioProvider(inbox, settings, { publicUrl: context.publicUrl, timeoutMs: context.callbackTimeoutMs });
    } catch (error) {
      // Kept, not thrown: a misconfigured inbox reports what is wrong instead of failing to load.
      this.#problem = ChannelError.from(error);
    }
    this.#provider = provider;
    this.singleReceiver = provider?.singleReceiver ?? false;
  }

  #ready(): SmsProvider {
    if (!this.#provider) throw this.#problem!;
    return this.#provider;
  }

  async start(sink: InboundSink, signal: AbortSignal): Promise<void> {
    if (!this.#provider) {
      await sink.state?.({ inboxId: this.#inboxId, status: 'error', detail: this.#problem!.message, at: new Date() })?.catch(() => {});
      return;
    }
    await this.#provider.start(sink, signal);
  }

  send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    return this.#ready().send(to, message);
  }

  async webhook(request: WebhookRequest): Promise<WebhookResponse> {
    const provider = this.#ready();
    if (!provider.webhook) return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'An SMPP inbox receives over its bind, not by webhook' } } };
    return provider.webhook(request);
  }

  async testConnection(): Promise<ConnectionCheck[]> {
    if (!this.#provider) return [{ name: 'settings', ok: false, message: this.#problem!.message }];
    return this.#provider.testConnection();
  }

  async verify(): Promise<{ displayName?: string }> {
    const failed = (await this.testConnection()).filter((c) => !c.ok);
    if (failed.length) throw new ChannelError('AUTH', failed.map((c) => c.message).join(' '));
    return {};
  }

  async stop(): Promise<void> {
    await this.#provider?.stop();
  }
}
