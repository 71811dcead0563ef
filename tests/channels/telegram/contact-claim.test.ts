import { describe, expect, it } from 'vitest';
import { signContactClaim, verifyContactClaim } from '../../../src/contacts/contact-claim.ts';
import { startPayload } from '../../../channels/telegram/telegram-inbound.ts';

describe('signed contact claims (deep-link payloads)', () => {
  it('names the card it was signed for, and fits a Telegram start payload', () => {
    const claim = signContactClaim('inbox-secret', 123456);
    expect(claim).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(verifyContactClaim('inbox-secret', claim)).toBe(123456);
    expect(startPayload(`/start ${claim}`)).toBe(claim);
  });

  it('is refused when signed with another inbox\'s secret, changed, or made up', () => {
    const claim = signContactClaim('inbox-secret', 7);
    expect(verifyContactClaim('other-secret', claim)).toBeNull();
    expect(verifyContactClaim('inbox-secret', claim.replace(/^7_/, '8_'))).toBeNull();
    expect(verifyContactClaim('inbox-secret', '7_AAAAAAAAAAAAAAAAAAAAAA')).toBeNull();
    expect(verifyContactClaim('inbox-secret', 'hello')).toBeNull();
  });

  it('reads only a /start command with one payload as a claim', () => {
    expect(startPayload('/start')).toBeUndefined();
    expect(startPayload('/start a b')).toBeUndefined();
    expect(startPayload('/start@MyBot abc_123')).toBe('abc_123');
    expect(startPayload('please /start abc')).toBeUndefined();
  });
});
