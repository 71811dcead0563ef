import type { ChannelAddress } from '../../channels/channel-adapter.ts';

/** Identity kinds whose values are only meaningful inside one inbox (kept as `<inboxId>:<user id>`; see contacts/identity.ts). */
const INBOX_SCOPED = new Set(['api', 'test', 'webchat']);

/** Which other identity kinds can reach a card on an inbox of this kind, after the inbox kind's own identity. */
const ALSO: Record<string, string[]> = {
  sms: ['phone'],
  whatsapp: ['phone'],
  'whatsapp-cloud': ['whatsapp', 'phone'],
  email: [],
};

export interface IdentityView {
  kind: string;
  value: string;
  unreachableReason?: string | null;
}

export interface RecipientAddress {
  /** The identity value as it is on the card (the suppression list is keyed by it). */
  address: string;
  /** What the adapter receives as `externalUserId`: an email, an E.164 phone, a Telegram user id, an integration's user id. */
  externalUserId: string;
  /** Set when the channel said this identity cannot be reached (blocked the bot…). */
  unreachableReason: string | null;
}

/**
 * The address a campaign sends to on an inbox: the card's identity of the inbox's own kind (what that
 * channel's inbound traffic created), else one that channel can also use (a phone for SMS and WhatsApp).
 * A reachable identity is preferred to one marked unreachable. Null: the card cannot be reached there.
 */
export function addressOn(inbox: { id: number; kind: string }, identities: IdentityView[]): RecipientAddress | null {
  const candidates: RecipientAddress[] = [];
  if (INBOX_SCOPED.has(inbox.kind)) {
    const prefix = `${inbox.id}:`;
    for (const i of identities) if (i.kind === inbox.kind && i.value.startsWith(prefix)) candidates.push({ address: i.value, externalUserId: i.value.slice(prefix.length), unreachableReason: i.unreachableReason ?? null });
  } else {
    for (const kind of [inbox.kind, ...(ALSO[inbox.kind] ?? [])]) {
      for (const i of identities) if (i.kind === kind) candidates.push({ address: i.value, externalUserId: i.value, unreachableReason: i.unreachableReason ?? null });
    }
  }
  return candidates.find((c) => !c.unreachableReason) ?? candidates[0] ?? null;
}

/** A campaign send has no conversation: the thread is the customer's own chat (as ingest defaults it). */
export const campaignAddress = (inboxId: number, externalUserId: string): ChannelAddress => ({ inboxId, externalThreadId: externalUserId, externalUserId });

/** The channel consent and suppression are kept per: both WhatsApp kinds are one channel to the customer. */
export const consentChannel = (inboxKind: string) => (inboxKind === 'whatsapp-cloud' ? 'whatsapp' : inboxKind);
