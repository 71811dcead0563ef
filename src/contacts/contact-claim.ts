import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { NormalizedInbound } from '../../channels/channel-adapter.ts';
import { badRequest, notFound } from '../errors.ts';
import { Contact, ContactIdentity, Conversation, Inbox } from '../store/entities/index.ts';
import { channelIdentity } from './identity.ts';

/** 16 bytes of HMAC-SHA256 (22 base64url characters): unguessable, and the whole claim fits Telegram's 64-character start payload. */
const MAC_BYTES = 16;
const CLAIM = /^([0-9a-z]{1,12})_([A-Za-z0-9_-]{22})$/;

const mac = (inboxSecret: string, contactId: number) => createHmac('sha256', inboxSecret).update(`contact-claim:${contactId}`).digest().subarray(0, MAC_BYTES);

/**
 * A token that says "whoever opens this link is client card N", signed with the inbox's secret so nobody can make one
 * for another card. It only uses the characters a Telegram deep link allows (A-Z, a-z, 0-9, _ and -, at most 64:
 * https://core.telegram.org/bots/features#deep-linking). Rotating the inbox's secret voids every link made before.
 */
export function signContactClaim(inboxSecret: string, contactId: number): string {
  return `${contactId.toString(36)}_${mac(inboxSecret, contactId).toString('base64url')}`;
}

/** The card a claim names, or null when it was not signed with this secret (compared in constant time). */
export function verifyContactClaim(inboxSecret: string, claim: string): number | null {
  const match = CLAIM.exec(claim);
  if (!match) return null;
  const contactId = Number.parseInt(match[1]!, 36);
  if (!Number.isSafeInteger(contactId) || contactId < 1) return null;
  const given = Buffer.from(match[2]!, 'base64url');
  return given.length === MAC_BYTES && timingSafeEqual(given, mac(inboxSecret, contactId)) ? contactId : null;
}

/** What an operator or marketer hands a customer (in an email, an SMS, a campaign) to connect them with the bot. */
export async function contactLink(em: EntityManager, inboxId: number, contactId: number): Promise<{ inboxId: number; contactId: number; payload: string; url: string | null }> {
  const inbox = await em.findOne(Inbox, inboxId);
  if (!inbox) throw notFound('Inbox');
  if (!(await em.count(Contact, { id: contactId }))) throw notFound('Contact');
  if (inbox.kind !== 'telegram') throw badRequest('Contact links are made for Telegram inboxes');
  const payload = signContactClaim(inbox.secret, contactId);
  const username = inbox.settings.botUsername;
  return { inboxId, contactId, payload, url: typeof username === 'string' && username ? `https://t.me/${username}?start=${payload}` : null };
}

/**
 * Runs before a message with a `contactClaim` is stored: a valid claim puts the sender's channel identity on the card
 * it names, so the message (and the sender from now on) lands there. The sender's conversation in this inbox moves
 * with it. Ignored when the claim is not valid for this inbox, the card is gone, or the card already has another
 * account on this channel: a forwarded link cannot take over someone else's card.
 */
export async function applyContactClaim(em: EntityManager, inbound: NormalizedInbound): Promise<{ contactId: number } | null> {
  if (!inbound.contactClaim) return null;
  const inbox = await em.findOne(Inbox, inbound.inboxId, { fields: ['id', 'kind', 'secret'] });
  if (!inbox) return null;
  const contactId = verifyContactClaim(inbox.secret, inbound.contactClaim);
  if (contactId === null) return null;
  const contact = await em.findOne(Contact, contactId);
  if (!contact) return null;
  const key = channelIdentity(inbox, inbound.sender.externalUserId);
  const identity = await em.findOne(ContactIdentity, key);
  if (identity?.contact.id === contactId) return { contactId };
  if (await em.count(ContactIdentity, { contact: contactId, kind: key.kind })) return null;
  if (identity) {
    identity.contact = contact;
    const threadId = inbound.externalThreadId ?? inbound.sender.externalUserId;
    await em.nativeUpdate(Conversation, { inbox: inbox.id, externalThreadId: threadId }, { contact: contactId });
  } else {
    em.create(ContactIdentity, { contact, ...key });
  }
  if (!contact.name && (inbound.sender.name || inbound.sender.username)) contact.name = inbound.sender.name ?? inbound.sender.username!;
  await em.flush();
  return { contactId };
}
