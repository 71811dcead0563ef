import { createHash } from 'node:crypto';
import EmailReplyParser from 'email-reply-parser';
import { simpleParser, type ParsedMail } from 'mailparser';
import { sanitizeCustomerHtml } from '../../src/inbox/sanitize.ts';
import type { AttachmentStore } from '../../src/store/attachment-store.ts';
import type { InboundAttachment, NormalizedInbound } from '../channel-adapter.ts';
import { classify, type BouncedRecipient } from './auto-reply.ts';
import { addressList, displayName, UNKNOWN_SENDER } from './email-addresses.ts';
import { messageIdList, normalizeMessageId } from './threading-headers.ts';

export interface ParseContext {
  inboxId: number;
  attachments: AttachmentStore;
  /** When the mail server received it (IMAP INTERNALDATE): the date when the message has none, or a nonsense one. */
  receivedAt?: Date;
}

export type ParsedEmail =
  | { kind: 'message'; inbound: NormalizedInbound }
  | { kind: 'automatic'; why: string; messageId: string }
  | { kind: 'bounce'; recipients: BouncedRecipient[]; originalMessageId?: string; messageId: string };

/** HTML longer than this is not also converted to plain text (mailparser's html-to-text is slow on megabytes). */
const MAX_HTML_TO_TEXT = 2_000_000;

/** The id of mail that has no Message-ID: a hash of its bytes, so fetching it again finds the same one. */
export const contentId = (source: Buffer) => `<${createHash('sha256').update(source).digest('hex').slice(0, 40)}@no-message-id.invalid>`;

/** A date from a header, unless it is missing or absurd (before 1990, or more than a day ahead). */
function plausible(date: Date | undefined): Date | undefined {
  if (!date || Number.isNaN(date.getTime())) return undefined;
  return date.getTime() > Date.UTC(1990, 0) && date.getTime() < Date.now() + 86_400_000 ? date : undefined;
}

async function keepAttachments(parsed: ParsedMail, context: ParseContext) {
  const files: InboundAttachment[] = [];
  const inline = new Map<string, string>();
  const skipped: string[] = [];
  for (const part of parsed.attachments) {
    const name = part.filename ?? (part.contentType.startsWith('image/') ? 'image' : 'attachment');
    try {
      const stored = await context.attachments.save(part.content, { name, contentType: part.contentType });
      const isInline = !!part.cid && (part.related === true || part.contentDisposition === 'inline');
      files.push({ key: stored.key, name: stored.name, contentType: stored.contentType, size: stored.size, ...(isInline ? { inline: true } : {}) });
      if (part.cid) inline.set(part.cid, `/api/v1/attachments/${stored.key}`);
    } catch (error) {
      skipped.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { files, inline, skipped };
}

/**
 * Turns one raw email into what the inbox stores (RFC 5322 via mailparser): the reply's own text and
 * sanitised HTML without the quoted history (the full versions, the addresses and the original .eml stay
 * in `meta.email`), attachments and inline images in the attachment store, and the ids it refers to for
 * threading. Auto-replies and bounces are told apart, never turned into customer messages.
 */
export async function parseEmail(source: Buffer, context: ParseContext): Promise<ParsedEmail> {
  const parsed = await simpleParser(source, { keepCidLinks: true, skipTextToHtml: true, keepDeliveryStatus: true, maxHtmlLengthToParse: MAX_HTML_TO_TEXT });
  const messageId = normalizeMessageId(parsed.messageId) ?? contentId(source);
  const kind = classify(parsed);
  if (kind.kind === 'automatic') return { kind: 'automatic', why: kind.why, messageId };
  if (kind.kind === 'bounce') return { kind: 'bounce', recipients: kind.recipients, originalMessageId: kind.originalMessageId, messageId };

  const from = addressList(parsed.from)[0] ?? UNKNOWN_SENDER;
  const references = messageIdList([parsed.references, parsed.inReplyTo]).filter((id) => id !== messageId);
  const inReplyTo = normalizeMessageId(parsed.inReplyTo);
  const { files, inline, skipped } = await keepAttachments(parsed, context);
  const original = await context.attachments.save(source, { name: 'original.eml', contentType: 'message/rfc822' }).catch(() => null);

  const fullText = (parsed.text ?? '').replace(/\r\n/g, '\n').trim();
  const text = new EmailReplyParser().parseReply(fullText).trim() || fullText;
  const inlineImage = (cid: string) => inline.get(cid);
  const fullHtml = parsed.html ? sanitizeCustomerHtml(parsed.html, { inlineImage }) : '';
  const replyHtml = parsed.html ? sanitizeCustomerHtml(parsed.html, { inlineImage, withoutQuotes: true }) : '';
  // A message that is all quote (a bare forward) is shown whole.
  const html = replyHtml.replace(/<[^>]*>|&nbsp;|\s/g, '') ? replyHtml : fullHtml;

  const subject = parsed.subject?.trim() ?? '';
  return {
    kind: 'message',
    inbound: {
      inboxId: context.inboxId,
      externalMessageId: messageId,
      // A new conversation per thread root; ingest moves the message into a known conversation it refers to.
      externalThreadId: references[0] ?? messageId,
      sender: { externalUserId: from.address, email: from.address, name: displayName(from.name) },
      text: text || undefined,
      html: html || undefined,
      attachments: files,
      replyToExternalId: inReplyTo,
      references,
      sentAt: plausible(parsed.date) ?? context.receivedAt ?? new Date(),
      meta: {
        subject,
        email: {
          from,
          to: addressList(parsed.to),
          cc: addressList(parsed.cc),
          replyTo: addressList(parsed.replyTo),
          date: plausible(parsed.date)?.toISOString() ?? null,
          messageId,
          inReplyTo: inReplyTo ?? null,
          references,
          // The whole message, quoted history included, when the reply shown is shorter.
          fullText: fullText !== text ? fullText : null,
          fullHtml: fullHtml && fullHtml !== html ? fullHtml : null,
          // The message as received, to download: GET /api/v1/attachments/<originalKey>.
          originalKey: original?.key ?? null,
          ...(skipped.length ? { skippedAttachments: skipped } : {}),
        },
      },
    },
  };
}
