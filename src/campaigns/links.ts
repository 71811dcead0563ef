import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed per-recipient links: unsubscribe, open pixel, click redirect. A token is `<recipientId>.<signature>`;
 * the signature is an HMAC with the campaign's own secret, so links cannot be forged or walked by id, and a
 * click link signs its target URL too (no open redirect).
 */
export type LinkPurpose = 'unsubscribe' | 'open' | 'click';

const sign = (secret: string, purpose: LinkPurpose, recipientId: number, extra = '') =>
  createHmac('sha256', secret).update(`${purpose}:${recipientId}:${extra}`).digest('base64url').slice(0, 22);

export const linkToken = (secret: string, purpose: LinkPurpose, recipientId: number, extra = '') => `${recipientId}.${sign(secret, purpose, recipientId, extra)}`;

/** The recipient id a token names (not yet verified: load the row's campaign secret and call `verifyToken`). */
export function tokenRecipient(token: string): number | null {
  const match = /^(\d{1,15})\.[A-Za-z0-9_-]{22}$/.exec(token);
  return match ? Number(match[1]) : null;
}

export function verifyToken(token: string, secret: string, purpose: LinkPurpose, extra = ''): boolean {
  const id = tokenRecipient(token);
  if (id === null) return false;
  const expected = Buffer.from(linkToken(secret, purpose, id, extra));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface CampaignLinks {
  unsubscribeUrl: string;
  openPixelUrl: string;
  clickUrl(target: string): string;
}

export function campaignLinks(publicUrl: string, secret: string, recipientId: number): CampaignLinks {
  return {
    unsubscribeUrl: `${publicUrl}/unsubscribe/${linkToken(secret, 'unsubscribe', recipientId)}`,
    openPixelUrl: `${publicUrl}/t/o/${linkToken(secret, 'open', recipientId)}`,
    clickUrl: (target) => `${publicUrl}/t/c/${linkToken(secret, 'click', recipientId, target)}?u=${encodeURIComponent(target)}`,
  };
}

/** Adds open and click tracking to an email's HTML: http(s) links go through the click redirect, a 1×1 image at the end. */
export function trackHtml(html: string, links: CampaignLinks, options: { opens: boolean; clicks: boolean }): string {
  let out = html;
  if (options.clicks) {
    out = out.replace(/(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi, (whole, before: string, quote: string, url: string) => {
      const target = url.replace(/&amp;/g, '&');
      if (target === links.unsubscribeUrl) return whole; // the unsubscribe link stays direct
      return `${before}${quote}${links.clickUrl(target).replace(/&/g, '&amp;')}${quote}`;
    });
  }
  if (options.opens) {
    const pixel = `<img src="${links.openPixelUrl}" width="1" height="1" alt="" style="display:none">`;
    out = /<\/body>/i.test(out) ? out.replace(/<\/body>/i, `${pixel}</body>`) : `${out}${pixel}`;
  }
  return out;
}
