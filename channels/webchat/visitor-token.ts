import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed tokens for widget visitors and their files. Keys are derived from the inbox secret, one per
 * purpose, so a token cannot be replayed as a file signature; rotating the secret ends every visitor session.
 */
const keyFor = (secret: string, purpose: string) => createHmac('sha256', secret).update(`webchat:${purpose}`).digest();
const mac = (secret: string, purpose: string, data: string) => createHmac('sha256', keyFor(secret, purpose)).update(data).digest('base64url');

function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A new anonymous visitor: 128 random bits. Verified visitors are `u_<identifier>` (see widget.gateway.ts). */
export const newVisitorId = () => `a_${randomBytes(16).toString('base64url')}`;
export const verifiedVisitorId = (identifier: string) => `u_${identifier}`;

/** The token the widget keeps in localStorage: which inbox and which visitor, signed. */
export function signVisitorToken(secret: string, inboxId: number, visitorId: string): string {
  const payload = Buffer.from(JSON.stringify({ i: inboxId, v: visitorId })).toString('base64url');
  return `${payload}.${mac(secret, 'visitor', payload)}`;
}

/** The visitor id a token carries, or null when it is forged, malformed or for another inbox. */
export function verifyVisitorToken(secret: string, inboxId: number, token: unknown): string | null {
  if (typeof token !== 'string' || token.length > 1000) return null;
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || !sameMac(signature, mac(secret, 'visitor', payload))) return null;
  try {
    const { i, v } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { i: unknown; v: unknown };
    return i === inboxId && typeof v === 'string' && v ? v : null;
  } catch {
    return null;
  }
}

/** Lets a visitor fetch (and attach) one stored file of this inbox without an operator session. */
export const signFileKey = (secret: string, key: string) => mac(secret, 'file', key);
export const verifyFileKey = (secret: string, key: string, signature: unknown) => typeof signature === 'string' && sameMac(signature, signFileKey(secret, key));

/** Where a visitor downloads a file (served by widget.routes.ts). */
export const visitorFileUrl = (publicUrl: string, secret: string, inboxId: number, key: string) =>
  `${publicUrl.replace(/\/+$/, '')}/api/v1/widget/${inboxId}/files/${key}?sig=${signFileKey(secret, key)}`;
