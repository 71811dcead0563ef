import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Identity kinds whose values are only meaningful inside one inbox (an integration's own user ids). */
const INBOX_SCOPED_KINDS = new Set(['api', 'test', 'webchat']);

export interface IdentityKey {
  kind: string;
  value: string;
}

/** A phone in E.164 (`+14155550100`), or null when it is not a valid number. */
export function normalizePhone(raw: string): string | null {
  const phone = parsePhoneNumberFromString(raw.trim(), { defaultCallingCode: undefined });
  return phone?.isValid() ? phone.number : null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** An email lower-cased and trimmed, or null when it is not an address. */
export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return EMAIL.test(email) ? email : null;
}

/** The identity a channel user id gives: global for Telegram or WhatsApp ids, inbox-scoped for an API integration's ids. */
export function channelIdentity(inbox: { id: number; kind: string }, externalUserId: string): IdentityKey {
  return INBOX_SCOPED_KINDS.has(inbox.kind)
    ? { kind: inbox.kind, value: `${inbox.id}:${externalUserId}` }
    : { kind: inbox.kind, value: externalUserId };
}

/** Every identity a channel sender brings, strongest first: their channel id, then a valid phone and email. */
export function senderIdentities(inbox: { id: number; kind: string }, sender: { externalUserId: string; phone?: string; email?: string }): IdentityKey[] {
  const keys: IdentityKey[] = [channelIdentity(inbox, sender.externalUserId)];
  const phone = sender.phone ? normalizePhone(sender.phone) : null;
  if (phone) keys.push({ kind: 'phone', value: phone });
  const email = sender.email ? normalizeEmail(sender.email) : null;
  // On the email channel the channel id is the address itself: one identity, not two of the same key.
  if (email && !keys.some((key) => key.kind === 'email' && key.value === email)) keys.push({ kind: 'email', value: email });
  return keys;
}

export const identityKeyString = (key: IdentityKey) => `${key.kind}\u0000${key.value}`;

/** Normalises a user-supplied identity; throws a readable message for an invalid phone or email. */
export function normalizeIdentity(kind: string, value: string): IdentityKey {
  if (kind === 'phone') {
    const phone = normalizePhone(value);
    if (!phone) throw new Error(`"${value}" is not a valid phone number in international format (e.g. +14155550100)`);
    return { kind, value: phone };
  }
  if (kind === 'email') {
    const email = normalizeEmail(value);
    if (!email) throw new Error(`"${value}" is not a valid email address`);
    return { kind, value: email };
  }
  const trimmed = value.trim();
  if (!trimmed) throw new Error(`an identity of kind "${kind}" needs a value`);
  return { kind, value: trimmed };
}
