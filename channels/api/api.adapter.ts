import { createHmac } from 'node:crypto';
import type { ChannelAdapter, ChannelAddress, InboxConfig, OutboundMessage } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';

export interface ApiAdapterOptions {
  timeoutMs: number;
}

/** Signs `${timestamp}.${body}` so a receiver can reject replays as well as forgeries (the Stripe scheme). */
export function signCallback(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/**
 * The API channel: an integration posts customer messages to our REST endpoint, and we deliver
 * replies to the callback URL configured on the inbox. Inbound arrives over HTTP, so `start` has nothing to do.
 */
export class ApiAdapter implements ChannelAdapter {
  readonly kind = 'api' as const;
  readonly capabilities = { html: true, attachments: true, typing: false, receipts: true };
  readonly #inbox: InboxConfig;
  readonly #options: ApiAdapterOptions;

  constructor(inbox: InboxConfig, options: ApiAdapterOptions) {
    this.#inbox = inbox;
    this.#options = options;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    const url = this.#inbox.settings.callbackUrl;
    if (typeof url !== 'string' || !url) throw new ChannelError('REJECTED', 'This API inbox has no callback URL, so replies cannot be delivered');
    // The delivery id is derived from our message id, so every retry carries the same one and the receiver can dedupe.
    const deliveryId = message.deliveryId ?? `msg_${message.id}`;
    // A campaign send is its own event: it belongs to no conversation and carries what a template rendered.
    const body = JSON.stringify(message.campaign ? {
      event: 'campaign.message',
      deliveryId,
      inboxId: this.#inbox.id,
      campaignId: message.campaign.campaignId,
      recipientId: message.campaign.recipientId,
      recipient: { externalUserId: to.externalUserId, externalThreadId: to.externalThreadId },
      message: { subject: message.subject ?? null, text: message.text ?? null, html: message.html ?? null, headers: message.headers ?? {}, whatsappTemplate: message.whatsappTemplate ?? null },
    } : {
      event: 'message.created',
      deliveryId,
      inboxId: this.#inbox.id,
      conversationId: message.conversationId,
      recipient: { externalUserId: to.externalUserId, externalThreadId: to.externalThreadId },
      message: { id: message.id, text: message.text ?? null, html: message.html ?? null, attachments: message.attachments, replyToExternalId: message.replyToExternalId ?? null },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-crm-delivery': deliveryId,
          'x-crm-timestamp': timestamp,
          'x-crm-signature': signCallback(this.#inbox.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (cause) {
      throw new ChannelError('TEMPORARY', `Callback URL did not answer: ${(cause as Error).message}`, { cause });
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      const externalId = parseExternalId(text) ?? deliveryId;
      return { externalId };
    }
    const detail = `Callback URL answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    if (response.status === 429) throw new ChannelError('RATE_LIMITED', detail, { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) });
    if (response.status >= 500 || response.status === 408) throw new ChannelError('TEMPORARY', detail);
    if (response.status === 401 || response.status === 403) throw new ChannelError('AUTH', detail);
    throw new ChannelError('REJECTED', detail);
  }
}

function parseExternalId(text: string): string | undefined {
  try {
    const value = JSON.parse(text)?.externalId;
    return typeof value === 'string' && value ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
