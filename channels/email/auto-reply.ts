import type { ParsedMail } from 'mailparser';
import { normalizeMessageId } from './threading-headers.ts';

/** One recipient a delivery status notification reports on (RFC 3464 §2.3). */
export interface BouncedRecipient {
  address: string;
  /** `failed` is a hard bounce; `delayed`, `delivered`, `relayed`, `expanded` are not. */
  action: string;
  /** Enhanced status code (RFC 3463), e.g. 5.1.1. */
  status: string;
  diagnostic?: string;
}

export type MailKind =
  | { kind: 'message' }
  /** An auto-reply, out-of-office or other machine-written mail: never opens a conversation. */
  | { kind: 'automatic'; why: string }
  /** A delivery report for mail we sent (a bounce). */
  | { kind: 'bounce'; recipients: BouncedRecipient[]; originalMessageId?: string };

const header = (parsed: ParsedMail, name: string): string => {
  const value = parsed.headers.get(name);
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && 'value' in value) return String((value as { value: unknown }).value);
  return String(value);
};

/** Parses a message/delivery-status body: a per-message block, then one block per recipient. */
export function parseDeliveryStatus(body: string): BouncedRecipient[] {
  const blocks = body.replace(/\r\n/g, '\n').replace(/\n[ \t]+/g, ' ').split(/\n\s*\n/);
  const recipients: BouncedRecipient[] = [];
  for (const block of blocks) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const match = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line.trim());
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!.trim());
    }
    const recipient = fields.get('final-recipient') ?? fields.get('original-recipient');
    if (!recipient) continue;
    // "rfc822; ada@example.com" (the address type, then the address).
    const address = recipient.replace(/^[^;]*;\s*/, '').replace(/^<|>$/g, '').trim().toLowerCase();
    if (!address.includes('@')) continue;
    recipients.push({ address, action: (fields.get('action') ?? '').toLowerCase(), status: fields.get('status') ?? '', diagnostic: fields.get('diagnostic-code')?.replace(/^[^;]*;\s*/, '') });
  }
  return recipients;
}

function originalMessageId(parsed: ParsedMail): string | undefined {
  for (const part of parsed.attachments) {
    if (!/^(text\/rfc822-headers|message\/rfc822|message\/global-headers|message\/global)$/i.test(part.contentType)) continue;
    const headers = part.content.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
    const match = /^message-id:\s*(<[^>]+>|\S+)/im.exec(headers.replace(/\r?\n[ \t]+/g, ' '));
    if (match) return normalizeMessageId(match[1]);
  }
  return undefined;
}

/**
 * Tells customer mail from machine mail. Bounces are delivery status notifications (RFC 3464:
 * multipart/report; report-type=delivery-status). Auto-replies say so with Auto-Submitted (RFC 3834) or the
 * older headers vacation responders and Exchange still use; mail from MAILER-DAEMON that is not a proper DSN
 * is automatic too.
 */
export function classify(parsed: ParsedMail): MailKind {
  const contentType = parsed.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const isReport = contentType?.value?.toLowerCase() === 'multipart/report';
  const status = parsed.attachments.find((a) => /^message\/(global-)?delivery-status$/i.test(a.contentType));
  if (isReport && status) {
    return { kind: 'bounce', recipients: parseDeliveryStatus(status.content.toString('utf8')), originalMessageId: originalMessageId(parsed) };
  }
  if (isReport) return { kind: 'automatic', why: `a ${contentType?.params?.['report-type'] ?? 'machine'} report` };
  const autoSubmitted = header(parsed, 'auto-submitted').toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return { kind: 'automatic', why: `Auto-Submitted: ${autoSubmitted}` };
  if (header(parsed, 'x-autoreply') || header(parsed, 'x-autorespond')) return { kind: 'automatic', why: 'an X-Autoreply header' };
  const precedence = (header(parsed, 'precedence') || header(parsed, 'x-precedence')).toLowerCase();
  if (precedence === 'auto_reply') return { kind: 'automatic', why: 'Precedence: auto_reply' };
  const from = parsed.from?.value[0]?.address?.toLowerCase() ?? '';
  if (/^(mailer-daemon|postmaster)@/.test(from)) return { kind: 'automatic', why: `mail from ${from}` };
  return { kind: 'message' };
}
