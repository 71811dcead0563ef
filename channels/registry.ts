import type { AttachmentStore } from '../src/store/attachment-store.ts';
import type { ChannelAdapter, ChannelKind, CursorStore, InboxConfig } from './channel-adapter.ts';
import { ApiAdapter } from './api/api.adapter.ts';
import { EmailAdapter } from './email/email.adapter.ts';
import type { EmailOptions } from './email/email-settings.ts';
import { TelegramAdapter } from './telegram/telegram.adapter.ts';
import type { TelegramOptions } from './telegram/telegram-settings.ts';
import { SmsAdapter } from './sms/sms.adapter.ts';
import type { SmppOptions } from './sms/smpp-connection.ts';
import { TestAdapter } from './test/test.adapter.ts';
import { WhatsAppCloudAdapter } from './whatsapp-cloud/whatsapp-cloud.adapter.ts';
import { WhatsAppWebAdapter, type WhatsAppWebOptions } from './whatsapp/whatsapp.adapter.ts';
import type { VisitorLink } from './webchat/visitor-link.ts';
import { WebchatAdapter } from './webchat/webchat.adapter.ts';

/** What every adapter factory may use: no database, queues or sockets, only these. */
export interface AdapterContext {
  callbackTimeoutMs: number;
  /** Where files customers send are kept, and where outbound files are read from. */
  attachments: AttachmentStore;
  /** This server's public base URL (webhooks are registered under it). */
  publicUrl: string;
  /** Where adapters keep their place in a channel's stream (an IMAP folder's last UID). */
  cursors: CursorStore;
  /** The email channel's limits and timings. */
  email: EmailOptions;
  /** The Telegram channel's Bot API address and polling timeout (defaults: api.telegram.org, 25 s). */
  telegram?: Partial<TelegramOptions>;
  /** SMPP keep-alive, timeouts and reconnect backoff (defaults in sms.adapter.ts). */
  sms?: SmppOptions;
  /** WhatsApp Web: Chromium, session folder, send rates, reconnect backoff (defaults in whatsapp.adapter.ts). */
  whatsappWeb?: Partial<WhatsAppWebOptions>;
  /** How the web-chat channel reaches visitors' browsers (bound to the widget socket by each process). */
  visitors: VisitorLink;
}

export type AdapterFactory = (inbox: InboxConfig, context: AdapterContext) => ChannelAdapter;

/** Adding a channel: one folder, one line here. */
export const ADAPTERS: Partial<Record<ChannelKind, AdapterFactory>> = {
  api: (inbox, context) => new ApiAdapter(inbox, { timeoutMs: context.callbackTimeoutMs }),
  test: (inbox) => new TestAdapter(inbox),
  email: (inbox, context) => new EmailAdapter(inbox, context),
  telegram: (inbox, context) => new TelegramAdapter(inbox, context),
  'whatsapp-cloud': (inbox, context) => new WhatsAppCloudAdapter(inbox, context),
  sms: (inbox, context) => new SmsAdapter(inbox, context),
  whatsapp: (inbox, context) => new WhatsAppWebAdapter(inbox, context),
  webchat: (inbox, context) => new WebchatAdapter(inbox, context),
};

export const SUPPORTED_KINDS = Object.keys(ADAPTERS) as ChannelKind[];
