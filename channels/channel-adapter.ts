/**
 * The channel port. An adapter translates between one channel (Telegram, email, an API
 * integration…) and the normalised shapes below; it never touches the database, queues or sockets.
 */

export type ChannelKind = 'api' | 'test' | 'telegram' | 'whatsapp' | 'whatsapp-cloud' | 'email' | 'webchat' | 'sms';

/** What a channel can do; the inbox and reply box adapt to it. */
export interface ChannelCapabilities {
  html: boolean;
  attachments: boolean;
  typing: boolean;
  receipts: boolean;
  /** Hours after the customer's last message during which free-form replies are allowed (WhatsApp: 24). */
  replyWindowHours?: number;
  /** Replies carry the conversation's subject and the ids of its earlier messages (OutboundMessage.subject, .references): email. */
  threadsByReference?: boolean;
  /** The channel's send limits; the send worker waits rather than exceed them (Telegram: 1/s per chat, 30/s per bot). */
  rateLimits?: { perThread?: RateLimit; perAccount?: RateLimit };
}

export interface RateLimit {
  max: number;
  perMs: number;
}

/** The inbox an adapter serves: plain data, no ORM entity. */
export interface InboxConfig {
  id: number;
  kind: ChannelKind;
  name: string;
  settings: Record<string, unknown>;
  /** Our own secret for this inbox (API token, webhook and widget signing key). */
  secret: string;
  /** What the admin gave us to reach the channel (a bot token…). */
  credentials: Record<string, string>;
  updatedAt: Date;
  /** When the inbox was created: a mailbox imports mail from then on, not its whole history. */
  createdAt?: Date;
}

export interface InboundAttachment {
  /** A key in the attachment store (files we keep), or… */
  key?: string;
  /** …a URL the file stays at. */
  url?: string;
  name?: string;
  contentType?: string;
  size?: number;
  /** An image shown inside the message body (an email's `cid:` image) rather than a file attached to it. */
  inline?: boolean;
}

export interface InboundSender {
  externalUserId: string;
  name?: string;
  phone?: string;
  email?: string;
  username?: string;
}

/** One customer message, as every channel delivers it to the inbox. */
export interface NormalizedInbound {
  inboxId: number;
  /** Unique per inbox; the dedup key. */
  externalMessageId: string;
  /** The channel's thread; defaults to the sender's id (one conversation per customer). */
  externalThreadId?: string;
  sender: InboundSender;
  text?: string;
  html?: string;
  attachments: InboundAttachment[];
  replyToExternalId?: string;
  /**
   * External ids of earlier messages this one refers to (an email's In-Reply-To and References), oldest first.
   * Ingest puts the message in the conversation of this inbox that holds one of them, whatever its thread id says.
   */
  references?: string[];
  /**
   * What the channel knows beyond text and html, stored with the message and shown to operators as is:
   * `subject`, an email's addresses and full original (`email`), why a message was not imported (`rejected`).
   */
  meta?: Record<string, unknown>;
  /** A signed token tying this sender to an existing client card (a Telegram `/start` deep link a campaign sent). */
  contactClaim?: string;
  sentAt: Date;
  raw?: unknown;
}

/** The customer edited a message they sent earlier. */
export interface InboundEdit {
  inboxId: number;
  externalMessageId: string;
  text?: string;
  editedAt: Date;
}

export type DeliveryStatus = 'delivered' | 'read' | 'failed';

/** A delivery report for a message we sent, keyed by the channel's id for it. */
export interface StatusEvent {
  inboxId: number;
  externalMessageId: string;
  status: DeliveryStatus;
  reason?: string;
  at: Date;
}

/**
 * How an inbox's connection to its channel is doing, for admins: `connecting`, `connected`, `disconnected`
 * (retrying by itself), `error` (needs an admin: bad password…). Channels may add their own (WhatsApp: `qr`).
 */
export type ChannelStatus = 'connecting' | 'connected' | 'disconnected' | 'error' | (string & {});

export interface ChannelStateEvent {
  inboxId: number;
  status: ChannelStatus;
  /** What to tell the admin ("authentication failed", "reconnecting in 8 s", a QR code…). */
  detail?: string;
  at: Date;
}

/** The channel reported that an address cannot be reached (an email bounced for good, a number is not on WhatsApp). */
export interface UnreachableEvent {
  inboxId: number;
  /** The identity as it is on client cards: `{ kind: 'email', value: 'ada@example.com' }`. */
  identity: { kind: string; value: string };
  reason: string;
  at: Date;
}

/** Where inbound traffic goes. */
export interface InboundSink {
  message(inbound: NormalizedInbound): Promise<unknown>;
  status(event: StatusEvent): Promise<unknown>;
  edit(edit: InboundEdit): Promise<unknown>;
  /** The inbox's connection state changed (kept per inbox and pushed to admins). */
  state?(event: ChannelStateEvent): Promise<unknown>;
  /** An address bounced or otherwise cannot be reached: marked on the client card. */
  unreachable?(event: UnreachableEvent): Promise<unknown>;
}

/** A webhook request as the HTTP layer hands it over: the raw bytes, so signatures can be checked before parsing. */
export interface WebhookRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface WebhookResponse {
  status: number;
  body?: unknown;
}

/** The recipient of a reply: the conversation's thread and the customer's channel id. */
export interface ChannelAddress {
  inboxId: number;
  externalThreadId: string;
  externalUserId: string;
}

/**
 * One message to send. Replies fill `id`, `conversationId` and the content; campaign sends (and template test sends)
 * belong to no conversation and may carry the optional fields below. An adapter honours the ones its channel has and
 * ignores the rest.
 */
export interface OutboundMessage {
  /** Our message id (for a campaign send: its send-ledger row id, see `campaign`); adapters may pass it on as an idempotency key. */
  id: number;
  /** The conversation the reply belongs to; 0 for a campaign send or a template test, which belong to none. */
  conversationId: number;
  /** Plain text. For email with `html` too, the text alternative (multipart/alternative). */
  text?: string;
  html?: string;
  attachments: InboundAttachment[];
  replyToExternalId?: string;
  /**
   * Unique to this send and the same on every retry of it (`msg_<id>` for replies when unset; `campaign-<campaignId>-<recipientId>`
   * for campaign sends): hand it to the provider as an idempotency key, or where the receiver can deduplicate on it.
   */
  deliveryId?: string;
  /**
   * Email: headers to set as given. Campaign mail carries `List-Unsubscribe: <https://…>` and
   * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058); nodemailer takes them in its `headers` option.
   */
  headers?: Record<string, string>;
  /**
   * WhatsApp Cloud API: send this approved message template instead of free text (outside the 24-hour window a business
   * may only send templates). `parameters` fill the template body's {{1}}, {{2}}… in order (already rendered, plain text).
   */
  whatsappTemplate?: { name: string; language: string; parameters: string[] };
  /** Set on campaign sends: which campaign and which send-ledger row (for tagging, e.g. an email `X-Campaign-Id` header). */
  campaign?: { campaignId: number; recipientId: number };
  /** Email: the subject line: the conversation's for a reply, the rendered template's for a campaign or test send. */
  subject?: string;
  /** External ids of the conversation's earlier messages, oldest first, for channels that thread by reference (email). */
  references?: string[];
}

/** One thing `testConnection` checked (IMAP login, SMTP login…). */
export interface ConnectionCheck {
  name: string;
  ok: boolean;
  /** What failed, in words an admin can act on. */
  message?: string;
}

/**
 * Where an adapter keeps its place in a channel's stream (an IMAP folder's last UID), per inbox and key.
 * Values are the adapter's own strings; they survive restarts and are shared by every process.
 */
export interface CursorStore {
  get(inboxId: number, key: string): Promise<string | null>;
  set(inboxId: number, key: string, value: string): Promise<void>;
}

export interface ChannelAdapter {
  readonly kind: ChannelKind;
  readonly capabilities: ChannelCapabilities;
  /**
   * Set by adapters that hold a connection to receive (long polling, IMAP IDLE, WhatsApp Web, an SMPP bind):
   * when several server processes run, only the one holding the inbox's lease calls `start`.
   * Webhook adapters leave it unset and receive wherever a request lands.
   */
  readonly singleReceiver?: boolean;
  /** Begin receiving; every inbound event goes to `sink` until `signal` aborts or `stop` is called. */
  start(sink: InboundSink, signal: AbortSignal): Promise<void>;
  /** Sends one message; throws `ChannelError` on failure. */
  send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }>;
  stop(): Promise<void>;
  /** Checks the credentials with the channel when an admin saves the inbox; throws ChannelError('AUTH', …) when they are wrong. Returns what to show (the bot's name). */
  verify?(): Promise<{ displayName?: string; settings?: Record<string, unknown> }>;
  /** Checks each connection the channel needs and says which work, without throwing (the "test connection" button). */
  testConnection?(): Promise<ConnectionCheck[]>;
  /** Handles a request to `/api/v1/channels/:inboxId/webhook`, checking its signature or secret first. */
  webhook?(request: WebhookRequest): Promise<WebhookResponse>;
  /** Shows the customer that an operator is typing. */
  typing?(to: ChannelAddress): Promise<void>;
}
