import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import sanitizeHtml from 'sanitize-html';
import type { AttachmentStore } from '../../src/store/attachment-store.ts';
import type { ChannelAddress, OutboundMessage } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';
import { describeConnectionError } from './connection-errors.ts';
import type { EmailOptions, EmailSettings } from './email-settings.ts';
import { smtpSendError } from './smtp-errors.ts';
import { isNewMessage, outboundMessageId, replySubject, threadingHeaders } from './threading-headers.ts';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** The HTML alternative of a plain-text reply: the same words, paragraphs and line breaks kept. */
const textToHtml = (text: string) => `<div>${text.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('')}</div>`;
/** The plain-text alternative of an HTML reply. */
const htmlToText = (html: string) => sanitizeHtml(html.replace(/<(br|\/p|\/div|\/li|\/h\d)\s*\/?>/gi, '$&\n'), { allowedTags: [], allowedAttributes: {} }).replace(/\n{3,}/g, '\n\n').trim();

/**
 * Sends replies over SMTP with a pooled nodemailer transport (https://nodemailer.com/smtp/pooled/): the
 * message is composed here (From, our Message-ID, In-Reply-To and References, text and HTML alternatives,
 * attachments from the store), sent as those exact bytes, and the same bytes can be appended to Sent.
 */
export class SmtpSender {
  readonly #settings: EmailSettings;
  readonly #options: EmailOptions;
  readonly #attachments: AttachmentStore;
  readonly #secret: string;
  #pool?: Transporter;

  constructor(settings: EmailSettings, options: EmailOptions, attachments: AttachmentStore, secret: string) {
    this.#settings = settings;
    this.#options = options;
    this.#attachments = attachments;
    this.#secret = secret;
  }

  #transportOptions() {
    const { smtp } = this.#settings;
    return {
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      auth: { user: smtp.user, pass: smtp.password },
      connectionTimeout: this.#options.connectTimeoutMs,
      greetingTimeout: this.#options.connectTimeoutMs,
      socketTimeout: Math.max(60_000, this.#options.connectTimeoutMs),
      // Never read local files or fetch URLs named in a message.
      disableFileAccess: true,
      disableUrlAccess: true,
    };
  }

  /** Composes the reply; returns its Message-ID and raw bytes. */
  async compose(to: ChannelAddress, message: OutboundMessage): Promise<{ messageId: string; raw: Buffer }> {
    const { address, displayName } = this.#settings;
    const fresh = isNewMessage(message);
    const messageId = outboundMessageId(this.#secret, fresh ? message.deliveryId! : message.id, address);
    const { inReplyTo, references } = threadingHeaders(message);
    const attachments = [];
    for (const file of message.attachments) {
      // Only files we keep are attached; a URL is never fetched on a sender's behalf.
      if (!file.key) continue;
      const stored = await this.#attachments.read(file.key);
      if (!stored) throw new ChannelError('REJECTED', `The attachment ${file.name ?? file.key} is no longer stored`);
      attachments.push({ filename: stored.meta.name, contentType: stored.meta.contentType, content: stored.data });
    }
    const text = message.text ?? (message.html ? htmlToText(message.html) : '');
    const html = message.html ?? textToHtml(text);
    const raw = await new MailComposer({
      from: { name: displayName, address },
      to: to.externalUserId,
      subject: fresh ? (message.subject ?? displayName) : replySubject(message.subject, displayName),
      messageId,
      inReplyTo,
      references,
      text,
      html,
      attachments,
      // List-Unsubscribe (RFC 8058) and the like on campaign mail; a campaign tag to find its bounces by.
      headers: { ...message.headers, ...(message.campaign ? { 'X-Campaign-Id': String(message.campaign.campaignId) } : {}) },
      date: new Date(),
    }).compile().build();
    return { messageId, raw };
  }

  async send(to: ChannelAddress, message: OutboundMessage): Promise<{ messageId: string; raw: Buffer }> {
    const composed = await this.compose(to, message);
    this.#pool ??= nodemailer.createTransport({ ...this.#transportOptions(), pool: true, maxConnections: this.#settings.smtp.maxConnections });
    try {
      await this.#pool.sendMail({ envelope: { from: this.#settings.address, to: [to.externalUserId] }, raw: composed.raw });
    } catch (error) {
      throw smtpSendError(error, this.#settings.smtp);
    }
    return composed;
  }

  /** Connects and logs in once (no mail sent); throws a ChannelError saying what failed. */
  async verify(): Promise<void> {
    const probe = nodemailer.createTransport(this.#transportOptions());
    try {
      await probe.verify();
    } catch (error) {
      throw describeConnectionError('SMTP', this.#settings.smtp, error);
    } finally {
      probe.close();
    }
  }

  close(): void {
    this.#pool?.close();
    this.#pool = undefined;
  }
}
