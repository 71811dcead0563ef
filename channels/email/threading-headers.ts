import { createHash, createHmac } from 'node:crypto';
import type { OutboundMessage } from '../channel-adapter.ts';

/** Ids longer than this are stored as a hash (external ids are indexed strings). */
const MAX_ID_LENGTH = 200;

/**
 * A Message-ID as we store it: `<local@domain>` (RFC 5322 §3.6.4), whitespace removed. An absurdly long one
 * is replaced by a stable hash, so the same header always maps to the same id.
 */
export function normalizeMessageId(raw: string | undefined | null): string | undefined {
  const id = raw?.replace(/\s+/g, '').replace(/^<|>$/g, '');
  if (!id) return undefined;
  const wrapped = `<${id}>`;
  return wrapped.length <= MAX_ID_LENGTH ? wrapped : `<${createHash('sha256').update(id).digest('hex')}@long-id.invalid>`;
}

/** Every Message-ID in a header value or list of them (References may be folded, comma-separated or sloppy). */
export function messageIdList(values: (string | string[] | undefined | null)[]): string[] {
  const ids: string[] = [];
  for (const value of values.flat()) {
    if (!value) continue;
    const found = value.match(/<[^<>]+>/g) ?? value.split(/[\s,]+/);
    for (const id of found) {
      const normal = normalizeMessageId(id);
      if (normal && !ids.includes(normal)) ids.push(normal);
    }
  }
  return ids;
}

/**
 * The Message-ID of a reply we send: derived from our message id and the inbox secret, so a retried send
 * carries the same one (the customer's client shows one message) and nobody can guess the ids of others.
 */
export function outboundMessageId(secret: string, messageId: number | string, address: string): string {
  const domain = address.split('@')[1] ?? 'localhost';
  const tag = createHmac('sha256', secret).update(String(messageId)).digest('hex').slice(0, 20);
  return `<crm.${messageId}.${tag}@${domain}>`;
}

/**
 * A campaign or template-test send is a new message, not a reply: its subject stays as written and its Message-ID
 * comes from its delivery id (a ledger row id would collide with a reply's message id of the same number).
 */
export const isNewMessage = (message: OutboundMessage) => message.conversationId === 0 && Boolean(message.deliveryId);

/** "Re: " once, however many the conversation already has (RFC 5322 §3.6.5). */
export function replySubject(subject: string | undefined, fallback: string): string {
  const base = (subject ?? '').trim();
  if (!base) return `Re: ${fallback}`;
  return /^(re|aw|sv|antw)\s*:/i.test(base) ? base : `Re: ${base}`;
}

/** In-Reply-To: the message answered (chosen by the operator, else the latest); References: the thread so far plus it. */
export function threadingHeaders(message: OutboundMessage): { inReplyTo?: string; references?: string[] } {
  const references = messageIdList([message.references]);
  const inReplyTo = normalizeMessageId(message.replyToExternalId) ?? references.at(-1);
  if (inReplyTo && !references.includes(inReplyTo)) references.push(inReplyTo);
  return { inReplyTo, references: references.length ? references : undefined };
}
