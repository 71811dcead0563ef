import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Identity verification, as Intercom and Chatwoot do it: the site's server computes
 * `HMAC-SHA256(inbox secret, identifier)` (hex) and hands it to the widget with the identifier,
 * so a visitor cannot claim to be another user of the site.
 */
export const identifierHash = (secret: string, identifier: string) => createHmac('sha256', secret).update(identifier).digest('hex');

/** Compares in constant time, so the hash cannot be guessed byte by byte from response times. */
export function verifyIdentifierHash(secret: string, identifier: string, hash: unknown): boolean {
  if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash)) return false;
  const expected = Buffer.from(identifierHash(secret, identifier), 'hex');
  return timingSafeEqual(expected, Buffer.from(hash, 'hex'));
}
