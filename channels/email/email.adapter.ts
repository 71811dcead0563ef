import type { ChannelAdapter, ChannelAddress, ChannelStatus, ConnectionCheck, InboundSink, InboxConfig, OutboundMessage } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import type { AdapterContext } from '../registry.ts';
import { emailSettings, type EmailSettings } from './email-settings.ts';
import { appendToSent, verifyImap } from './imap-client.ts';
import { FolderReceiver } from './imap-folder-receiver.ts';
import { SmtpSender } from './smtp-sender.ts';

/**
 * The email channel: a mailbox received over IMAP (imapflow, IDLE) and answered over SMTP (nodemailer).
 * Receiving runs in one server process at a time (`singleReceiver`: the channel manager starts it only
 * in the process holding the inbox's lease); sending works from any process.
 * Threading is by Message-ID: replies carry In-Reply-To/References, and ingest puts incoming mail that
 * refers to a stored message into that message's conversation.
 */
export class EmailAdapter implements ChannelAdapter {
  readonly kind = 'email' as const;
  readonly capabilities = { html: true, attachments: true, typing: false, receipts: false, threadsByReference: true };
  readonly singleReceiver = true;
  readonly #inbox: InboxConfig;
  readonly #context: AdapterContext;
  #sender?: SmtpSender;
  #stopping = new AbortController();
  #receiving?: Promise<void>;

  constructor(inbox: InboxConfig, context: AdapterContext) {
    this.#inbox = inbox;
    this.#context = context;
  }

  /** Settings checked on use, so a bad inbox reports what is wrong instead of failing to load. */
  #settings(): EmailSettings {
    return emailSettings(this.#inbox);
  }

  async start(sink: InboundSink, signal: AbortSignal): Promise<void> {
    const report = (status: ChannelStatus, detail?: string) => void sink.state?.({ inboxId: this.#inbox.id, status, detail, at: new Date() })?.catch(() => {});
    let settings: EmailSettings;
    try {
      settings = this.#settings();
    } catch (error) {
      report('error', (error as Error).message);
      return;
    }
    if (this.#receiving || this.#stopping.signal.aborted) return;
    const stopped = AbortSignal.any([signal, this.#stopping.signal]);
    this.#receiving = this.#receive(sink, settings, stopped, report);
  }

  async #receive(sink: InboundSink, settings: EmailSettings, signal: AbortSignal, report: (status: ChannelStatus, detail?: string) => void): Promise<void> {
    const { cursors, attachments, email: options } = this.#context;
    await Promise.all(settings.imap.folders.map((folder) =>
      new FolderReceiver({ inboxId: this.#inbox.id, folder, settings, options, cursors, attachments, sink, importSince: this.#inbox.createdAt ?? new Date(), report }).run(signal),
    ));
  }

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ externalId: string }> {
    const settings = this.#settings();
    this.#sender ??= new SmtpSender(settings, this.#context.email, this.#context.attachments, this.#inbox.secret);
    const { messageId, raw } = await this.#sender.send(to, message);
    if (settings.appendToSent) {
      // The reply is out; a copy missing from Sent must not make it look failed (and be sent again).
      await appendToSent(settings, this.#context.email, raw).catch(() => {});
    }
    return { externalId: messageId };
  }

  /** Logs in to IMAP and SMTP at once; each check has the ChannelError saying what failed, if it did. */
  async #check(): Promise<{ name: string; error?: ChannelError }[]> {
    let settings: EmailSettings;
    try {
      settings = this.#settings();
    } catch (error) {
      return [{ name: 'settings', error: ChannelError.from(error) }];
    }
    const smtp = new SmtpSender(settings, this.#context.email, this.#context.attachments, this.#inbox.secret);
    const check = (name: string, run: () => Promise<void>) => run().then(() => ({ name }), (error: unknown) => ({ name, error: ChannelError.from(error) }));
    return Promise.all([check('imap', () => verifyImap(settings, this.#context.email)), check('smtp', () => smtp.verify())]);
  }

  async testConnection(): Promise<ConnectionCheck[]> {
    return (await this.#check()).map(({ name, error }) => (error ? { name, ok: false, message: error.message } : { name, ok: true }));
  }

  async verify(): Promise<{ displayName?: string }> {
    const failed = (await this.#check()).flatMap((c) => (c.error ? [c.error] : []));
    if (failed.length) throw new ChannelError(failed.some((e) => e.code === 'AUTH') ? 'AUTH' : 'REJECTED', failed.map((e) => e.message).join(' '));
    return {};
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#sender?.close();
    this.#sender = undefined;
    await this.#receiving;
  }
}
