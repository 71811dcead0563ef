import type { EntityManager } from '@mikro-orm/core';
import { verifyIdentifierHash } from '../../channels/webchat/identity-hash.ts';
import type { Visitor } from '../../channels/webchat/visitor-inbound.ts';
import { newVisitorId, signVisitorToken, verifiedVisitorId, verifyVisitorToken } from '../../channels/webchat/visitor-token.ts';
import { originAllowed, widgetSettings, type WidgetSettings } from '../../channels/webchat/widget-settings.ts';
import { normalizeEmail } from '../contacts/identity.ts';
import { Inbox } from '../store/entities/index.ts';

/**
 * How the site's identity claim fared: `none` (no claim), `verified` (identifierHash matched), `unverified`
 * (name/email without a hash, accepted as contact details on inboxes that do not enforce verification),
 * `rejected` (a wrong hash, or no hash where verification is enforced: the visitor stays anonymous).
 */
export type Verification = 'none' | 'verified' | 'unverified' | 'rejected';

export interface VisitorSession extends Visitor {
  token: string;
  verification: Verification;
  settings: WidgetSettings;
  secret: string;
  /** An email given in the pre-chat or offline form where it may not join a card (enforced inbox): kept on the message only. */
  unlinkedEmail?: string;
}

/** What the widget sends at the handshake (`io(url + '/widget', { auth })`). */
export interface WidgetAuth {
  inboxId?: unknown;
  /** The token an earlier session issued (localStorage). */
  token?: unknown;
  /** The site's claim: `{ identifier, name, email, identifierHash }`. */
  user?: unknown;
  /** What the visitor typed in the pre-chat or offline form: `{ name, email }`. */
  profile?: unknown;
}

export class SessionRefused extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const str = (value: unknown, max: number) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : undefined);
const record = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** Checks the inbox, the page's origin and the identity claim, and decides who this visitor is. */
export async function openSession(em: EntityManager, auth: WidgetAuth, origin: string | undefined): Promise<VisitorSession> {
  const inboxId = Number(auth.inboxId);
  if (!Number.isInteger(inboxId) || inboxId < 1) throw new SessionRefused('VALIDATION', 'auth.inboxId must be a widget inbox id');
  const inbox = await em.findOne(Inbox, { id: inboxId, kind: 'webchat' });
  if (!inbox) throw new SessionRefused('NOT_FOUND', 'No such widget inbox');
  const settings = widgetSettings(inbox.settings);
  if (!originAllowed(settings, origin)) throw new SessionRefused('ORIGIN_NOT_ALLOWED', 'This site may not open this chat widget');

  const claim = record(auth.user);
  const profile = record(auth.profile);
  const identifier = str(claim.identifier, 200);
  const claimed = identifier !== undefined || str(claim.name, 200) !== undefined || str(claim.email, 320) !== undefined;
  let verification: Verification = 'none';
  if (identifier !== undefined && verifyIdentifierHash(inbox.secret, identifier, claim.identifierHash)) verification = 'verified';
  else if (claimed) verification = claim.identifierHash !== undefined || settings.enforceVerification ? 'rejected' : 'unverified';

  const fromClaim = verification === 'verified' || verification === 'unverified';
  const name = (fromClaim ? str(claim.name, 200) : undefined) ?? str(profile.name, 200);
  const email = (fromClaim ? normalizeEmail(str(claim.email, 320) ?? '') : null) ?? normalizeEmail(str(profile.email, 320) ?? '') ?? undefined;
  // A verified user's id is theirs on every device; anyone else keeps the anonymous id in their token. A token
  // for a verified user counts only while the site still vouches for them (after a logout the next person is anonymous).
  let visitorId: string;
  if (verification === 'verified') visitorId = verifiedVisitorId(identifier!);
  else {
    const fromToken = verifyVisitorToken(inbox.secret, inboxId, auth.token);
    visitorId = fromToken?.startsWith('a_') ? fromToken : newVisitorId();
  }
  // On an inbox that enforces verification, only the site may tie a visitor to a client card by email.
  const emailJoinsCard = verification === 'verified' || !settings.enforceVerification;
  return {
    inboxId,
    visitorId,
    verified: verification === 'verified',
    name,
    email: emailJoinsCard ? email : undefined,
    unlinkedEmail: emailJoinsCard ? undefined : email,
    token: signVisitorToken(inbox.secret, inboxId, visitorId),
    verification,
    settings,
    secret: inbox.secret,
  };
}

/** What the widget needs of the settings (never the limits' internals or the secret). */
export const publicSettings = (s: WidgetSettings) => ({
  title: s.title,
  greeting: s.greeting,
  color: s.color,
  preChatForm: s.preChatForm,
  maxMessageChars: s.maxMessageChars,
  maxFileBytes: s.maxFileBytes,
  allowedFileTypes: s.allowedFileTypes,
});
