import type { ChannelAdapter, ChannelAddress, InboxConfig, OutboundMessage } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import type { AttachmentStore } from '../../src/store/attachment-store.ts';
import type { VisitorLink } from './visitor-link.ts';
import { visitorFileUrl } from './visitor-token.ts';
import { widgetSettings } from './widget-settings.ts';

export interface WebchatContext {
  visitors: VisitorLink;
  attachments: AttachmentStore;
  publicUrl: string;
}

/** Visitor ids the widget gateway hands out: anonymous (`a_…`) or verified by the site (`u_<identifier>`). */
const VISITOR_ID = /^(a_[A-Za-z0-9_-]{16,64}|u_.{1,200})$/s;

/**
 * The web-chat widget channel. Visitors write over the `/widget` socket (src/gateway/widget.gateway.ts turns
 * each message into a NormalizedInbound with `toVisitorInbound`); replies leave through the send queue like
 * every channel's and are pushed through `VisitorLink`, a two-method port the processes bind to Socket.io.
 * A port rather than listening to inbox events: the reply then takes the same path as on every other
 * channel (queued → adapter.send → sent or failed), and the adapter stays free of Socket.io.
 */
export class WebchatAdapter implements ChannelAdapter {
  readonly kind = 'webchat' as const;
  // Receipts: the widget reports replies as read when its window shows them (widget.gateway.ts).
  readonly capabilities = { html: false, attachments: true, typing: true, receipts: true };
  readonly #inbox: InboxConfig;
  readonly #context: WebchatContext;

  constructor(inbox: InboxConfig, context: WebchatContext) {
    this.#inbox = inbox;
    this.#context = context;
  }

  // Inbound arrives over the widget socket, handled by the gateway in whichever process holds it.
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    if (!VISITOR_ID.test(to.externalUserId)) throw new ChannelError('INVALID_RECIPIENT', `"${to.externalUserId.slice(0, 40)}" is not a widget visitor`);
    const attachments = [];
    for (const file of message.attachments) {
      if (file.url && !file.key) {
        attachments.push({ name: file.name ?? 'file', contentType: file.contentType ?? 'application/octet-stream', size: file.size ?? 0, url: file.url });
        continue;
      }
      const meta = file.key ? await this.#context.attachments.meta(file.key) : null;
      if (!meta) throw new ChannelError('REJECTED', `Attachment ${file.key ?? '(no key)'} is not in the attachment store`);
      attachments.push({ name: meta.name, contentType: meta.contentType, size: meta.size, url: visitorFileUrl(this.#context.publicUrl, this.#inbox.secret, this.#inbox.id, meta.key) });
    }
    try {
      await this.#context.visitors.deliver({ inboxId: this.#inbox.id, visitorId: to.externalUserId }, {
        id: message.id,
        direction: 'out',
        text: message.text ?? null,
        attachments,
        createdAt: new Date().toISOString(),
      });
    } catch (cause) {
      throw ChannelError.from(cause);
    }
    // The message lives in our store only: its id is the channel's id for it.
    return { externalId: message.deliveryId ?? `webchat-${message.id}` };
  }

  /** Nothing to connect to: checks what an admin typed into the settings, so a typo is a 400 rather than a widget that never opens. */
  async verify(): Promise<{ settings?: Record<string, unknown> }> {
    const origins = this.#inbox.settings.allowedOrigins;
    if (origins !== undefined && (!Array.isArray(origins) || origins.some((o) => typeof o !== 'string' || !/^https?:\/\/[^/\s]+\/?$/.test(o)))) {
      throw new ChannelError('REJECTED', 'allowedOrigins must be a list of origins like "https://shop.example" (scheme and host, no path)');
    }
    const color = this.#inbox.settings.color;
    if (color !== undefined && widgetSettings({ color }).color !== color) throw new ChannelError('REJECTED', 'color must be a hex colour like "#2563eb"');
    return {};
  }

  async typing(to: ChannelAddress): Promise<void> {
    await this.#context.visitors.typing({ inboxId: this.#inbox.id, visitorId: to.externalUserId });
  }
}
