import QRCode from 'qrcode';
import { sleep } from '../abortable-sleep.ts';
import type { ChannelAdapter, ChannelAddress, ChannelStatus, InboundSink, InboxConfig, OutboundMessage } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import type { AdapterContext } from '../registry.ts';
import { realWebClientFactory, sessionPath, type WebClient, type WebClientFactory, type WebMessage } from './whatsapp-client.ts';
import { chatIdFor, normaliseWebMessage } from './whatsapp-inbound.ts';

export interface WhatsAppWebOptions {
  dataDir: string;
  chromePath: string;
  /** Sends per minute per number we hold and per chat: deliberately low, since an unofficial client that sends fast gets banned. */
  sendsPerMinute: number;
  sendsPerChatPerMinute: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** How long `initialize` (Chromium start and WhatsApp Web load) may take before it counts as failed. */
  startTimeoutMs: number;
  factory?: WebClientFactory;
}

export const DEFAULT_WHATSAPP_WEB: WhatsAppWebOptions = { dataDir: './data', chromePath: '/usr/bin/chromium', sendsPerMinute: 20, sendsPerChatPerMinute: 6, reconnectMinMs: 5000, reconnectMaxMs: 5 * 60_000, startTimeoutMs: 120_000 };

/** whatsapp-web.js message_ack values (MessageAck): 2 reached the phone, 3 read, 4 played; -1 failed. */
const ACK_STATUS: Record<number, 'delivered' | 'read' | 'failed' | undefined> = { [-1]: 'failed', 2: 'delivered', 3: 'read', 4: 'read' };

/**
 * WhatsApp through a linked phone, driving WhatsApp Web in Chromium (whatsapp-web.js). States for admins:
 * starting → qr (detail: the QR code as a data URL) → authenticated → ready; disconnected (reconnecting with
 * backoff) and logged_out (the phone unlinked us: a new QR follows). The session stays under DATA_DIR (LocalAuth).
 * Only one process may run the browser for a number (`singleReceiver`), and it is the one that sends.
 */
export class WhatsAppWebAdapter implements ChannelAdapter {
  readonly kind = 'whatsapp' as const;
  readonly capabilities;
  readonly singleReceiver = true;
  readonly #inbox: InboxConfig;
  readonly #context: AdapterContext;
  readonly #options: WhatsAppWebOptions;
  #client: WebClient | null = null;
  #ready = false;
  #stopping = new AbortController();
  #running?: Promise<void>;
  #initializing?: () => void;

  constructor(inbox: InboxConfig, context: AdapterContext) {
    this.#inbox = inbox;
    this.#context = context;
    this.#options = { ...DEFAULT_WHATSAPP_WEB, ...context.whatsappWeb };
    this.capabilities = {
      html: false, attachments: true, typing: false, receipts: true,
      // The send worker waits rather than exceed these (per chat, and for the whole number).
      rateLimits: { perThread: { max: this.#options.sendsPerChatPerMinute, perMs: 60_000 }, perAccount: { max: this.#options.sendsPerMinute, perMs: 60_000 } },
    };
  }

  async start(sink: InboundSink, signal: AbortSignal): Promise<void> {
    if (this.#running || this.#stopping.signal.aborted) return;
    const stopped = AbortSignal.any([signal, this.#stopping.signal]);
    const initializing = new Promise<void>((resolve) => (this.#initializing = resolve));
    this.#running = this.#run(sink, stopped);
    // Returns once the first client is launching (not once it is linked: that may wait for a person with a phone).
    await initializing;
  }

  /** Runs a client until it ends, then starts another after a backoff, until stopped. */
  async #run(sink: InboundSink, signal: AbortSignal): Promise<void> {
    const report = (status: ChannelStatus, detail?: string) => void sink.state?.({ inboxId: this.#inbox.id, status, detail, at: new Date() })?.catch(() => {});
    let delay = this.#options.reconnectMinMs;
    while (!signal.aborted) {
      const outcome = await this.#session(sink, signal, report);
      if (signal.aborted) break;
      if (outcome.wasReady) delay = this.#options.reconnectMinMs;
      // A logout needs a new QR now, not after a backoff.
      const wait = outcome.loggedOut ? 0 : delay;
      if (!outcome.loggedOut) report('disconnected', `${outcome.reason}; reconnecting in ${Math.round(wait / 1000)} s`);
      await sleep(wait, signal);
      if (!outcome.loggedOut) delay = Math.min(delay * 2, this.#options.reconnectMaxMs);
    }
    report('disconnected', 'stopped');
  }

  /** One client from start to end: resolves when it disconnected, failed to start, or was stopped. */
  async #session(sink: InboundSink, signal: AbortSignal, report: (status: ChannelStatus, detail?: string) => void): Promise<{ reason: string; wasReady: boolean; loggedOut?: boolean }> {
    report('starting');
    let client: WebClient;
    try {
      client = await (this.#options.factory ?? realWebClientFactory).create({ clientId: `inbox-${this.#inbox.id}`, dataPath: sessionPath(this.#options.dataDir), chromePath: this.#options.chromePath });
    } catch (error) {
      this.#initializing?.();
      return { reason: `WhatsApp Web could not be set up: ${(error as Error).message}`, wasReady: false };
    }
    this.#client = client;
    let wasReady = false;
    const ended = new Promise<{ reason: string; wasReady: boolean; loggedOut?: boolean }>((resolve) => {
      const end = (outcome: { reason: string; loggedOut?: boolean }) => resolve({ ...outcome, wasReady });
      client.on('qr', (qr: string) => {
        void QRCode.toDataURL(qr, { margin: 1, width: 264 }).then((url) => report('qr', url), () => report('qr', qr));
      });
      client.on('authenticated', () => report('authenticated'));
      client.on('auth_failure', (message: string) => {
        report('logged_out', `The saved WhatsApp session was refused (${message}); scan the new QR code to link the phone again`);
        end({ reason: 'authentication failed', loggedOut: true });
      });
      client.on('ready', () => {
        wasReady = true;
        this.#ready = true;
        report('ready');
      });
      client.on('disconnected', (reason: string) => {
        this.#ready = false;
        if (reason === 'LOGOUT') {
          report('logged_out', 'The phone unlinked this device (logged out); scan the new QR code to link it again');
          end({ reason: 'logged out', loggedOut: true });
        } else {
          end({ reason: `WhatsApp disconnected (${reason})` });
        }
      });
      client.on('message', (message: WebMessage) => void this.#inbound(sink, message));
      client.on('message_ack', (message: WebMessage, ack: number) => {
        const status = ACK_STATUS[ack];
        if (status && message.id.fromMe) void sink.status({ inboxId: this.#inbox.id, externalMessageId: message.id._serialized, status, reason: status === 'failed' ? 'WhatsApp could not deliver the message' : undefined, at: new Date() }).catch(() => {});
      });
      signal.addEventListener('abort', () => end({ reason: 'stopped' }), { once: true });
      withTimeout(client.initialize(), this.#options.startTimeoutMs, 'WhatsApp Web did not load in time').catch((error: Error) => end({ reason: `WhatsApp Web failed to start: ${error.message}` }));
      this.#initializing?.();
    });
    const outcome = await ended;
    this.#ready = false;
    this.#client = null;
    client.removeAllListeners();
    // The browser must go, or each reconnect would leave a Chromium behind.
    await withTimeout(client.destroy(), 15_000, 'destroy timed out').catch(() => {});
    return outcome;
  }

  async #inbound(sink: InboundSink, message: WebMessage): Promise<void> {
    try {
      const inbound = await normaliseWebMessage(this.#inbox.id, message, { allowGroups: this.#inbox.settings.allowGroups === true, attachments: this.#context.attachments });
      if (inbound) await sink.message(inbound);
    } catch {
      // WhatsApp Web does not redeliver; a message that could not be stored is lost here, like any socket event.
    }
  }

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    const client = this.#client;
    if (!client || !this.#ready) throw new ChannelError('TEMPORARY', 'WhatsApp Web is not connected (the phone may need to be linked with the QR code); the message will be retried');
    let chatId = chatIdFor(to.externalThreadId);
    if (chatId.endsWith('@c.us')) {
      const registered = await client.getNumberId(chatId.replace('@c.us', '')).catch((cause: unknown) => { throw wrap(cause); });
      if (!registered) throw new ChannelError('INVALID_RECIPIENT', `${chatId.replace('@c.us', '')} is not on WhatsApp`);
      chatId = registered._serialized;
    }
    const links = message.attachments.filter((a) => !a.key && a.url).map((a) => a.url!);
    let text = [message.text?.trim() ? message.text : undefined, ...links].filter(Boolean).join('\n') || undefined;
    const quoted = message.replyToExternalId ? { quotedMessageId: message.replyToExternalId } : {};
    const ids: string[] = [];
    try {
      for (const attachment of message.attachments.filter((a) => a.key)) {
        const file = await this.#context.attachments.read(attachment.key!);
        if (!file) throw new ChannelError('REJECTED', `The attachment ${attachment.name ?? attachment.key} is no longer stored`);
        const media = await (this.#options.factory ?? realWebClientFactory).media(file.meta.contentType, file.data.toString('base64'), file.meta.name);
        const asDocument = !/^(image\/(jpeg|png)|video\/mp4|audio\/)/.test(file.meta.contentType);
        const sent = await client.sendMessage(chatId, media, { ...(text ? { caption: text } : {}), sendMediaAsDocument: asDocument, ...quoted });
        ids.push(sent.id._serialized);
        text = undefined;
      }
      if (text) ids.unshift((await client.sendMessage(chatId, text, { linkPreview: false, ...quoted })).id._serialized);
    } catch (cause) {
      throw wrap(cause);
    }
    if (!ids.length) throw new ChannelError('REJECTED', 'Nothing to send: the message has no text or file');
    return { externalId: ids[0]! };
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#running;
  }
}

function wrap(cause: unknown): ChannelError {
  if (cause instanceof ChannelError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/invalid wid|not a valid|no lid for user/i.test(message)) return new ChannelError('INVALID_RECIPIENT', `WhatsApp refused the recipient: ${message}`, { cause });
  return new ChannelError('TEMPORARY', `WhatsApp Web failed to send: ${message}`, { cause });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
