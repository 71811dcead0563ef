import { createHash } from 'node:crypto';
import type { MessageEnvelopeObject } from 'imapflow';
import type { AttachmentStore } from '../../src/store/attachment-store.ts';
import type { NormalizedInbound } from '../channel-adapter.ts';
import { displayName, UNKNOWN_SENDER, type MailAddress } from './email-addresses.ts';
import { contentId } from './email-parser.ts';
import { messageIdList, normalizeMessageId } from './threading-headers.ts';

/** What IMAP tells about a message without downloading it (FETCH ENVELOPE RFC822.SIZE INTERNALDATE). */
export interface EnvelopeInfo {
  envelope?: MessageEnvelopeObject;
  size?: number;
  internalDate?: Date;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function senderOf(envelope: MessageEnvelopeObject | undefined): MailAddress {
  const first = envelope?.from?.find((a) => a.address?.includes('@'));
  return first?.address ? { name: first.name || null, address: first.address.trim().toLowerCase() } : UNKNOWN_SENDER;
}

/** A message we record without its content: who sent it, its subject, and why it was not imported. */
function rejected(inboxId: number, info: EnvelopeInfo, externalMessageId: string, reason: string, extra: Record<string, unknown> = {}): NormalizedInbound {
  const from = senderOf(info.envelope);
  const references = messageIdList([info.envelope?.inReplyTo]);
  const subject = info.envelope?.subject?.trim() ?? '';
  return {
    inboxId,
    externalMessageId,
    externalThreadId: references[0] ?? externalMessageId,
    sender: { externalUserId: from.address, email: from.address, name: displayName(from.name) },
    text: `This email was not imported: ${reason}.`,
    attachments: [],
    references,
    sentAt: info.internalDate ?? new Date(),
    meta: { subject, email: { from, messageId: externalMessageId, size: info.size ?? null, ...extra }, rejected: { reason } },
  };
}

/** Larger than the limit: recorded from the envelope alone, never downloaded or parsed. */
export function oversizedEmail(inboxId: number, info: EnvelopeInfo, limit: number): NormalizedInbound {
  // Without a Message-ID, what the envelope says identifies it across a UIDVALIDITY change.
  const id = normalizeMessageId(info.envelope?.messageId)
    ?? `<${createHash('sha256').update(JSON.stringify([info.internalDate, info.size, info.envelope?.subject, info.envelope?.from])).digest('hex').slice(0, 40)}@no-message-id.invalid>`;
  return rejected(inboxId, info, id, `it is ${megabytes(info.size ?? 0)}, above the ${megabytes(limit)} limit for one email`);
}

/** The parser gave up on it: the bytes are kept as the original, for an operator to download. */
export async function unreadableEmail(inboxId: number, info: EnvelopeInfo, source: Buffer, error: unknown, attachments: AttachmentStore): Promise<NormalizedInbound> {
  const original = await attachments.save(source, { name: 'original.eml', contentType: 'message/rfc822' }).catch(() => null);
  const id = normalizeMessageId(info.envelope?.messageId) ?? contentId(source);
  return rejected(inboxId, info, id, `it could not be read (${(error as Error)?.message ?? String(error)})`, { originalKey: original?.key ?? null });
}
