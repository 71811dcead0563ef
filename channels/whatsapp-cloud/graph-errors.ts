import { ChannelError } from '../channel-error.ts';

/** The error object the Graph API answers with: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes */
export interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
  title?: string;
}

/** Throughput and spam limits: wait and try again (130429 throughput, 131056 pair rate, 80007 account, 4/613 app and API call rate). */
const RATE_LIMITS = new Set([4, 80007, 130429, 131048, 131056, 613]);
/** The number cannot get this message: not on WhatsApp, not a valid number, or not on a test number's allowed list. */
const INVALID_RECIPIENT = new Set([131026, 131030]);
/** Meta's side is down or timed out. */
const TEMPORARY = new Set([1, 2, 131000, 131016, 133004]);
/** The token expired or lacks permission. */
const AUTH = new Set([0, 10, 190, 200, 131005]);

/** Re-engagement: more than 24 hours since the customer last wrote, and this was not a template. */
export const REENGAGEMENT_REQUIRED = 131047;

/**
 * Turns a Graph API failure into the port's error. The code decides when there is one (Meta answers 400 for
 * most failures, even temporary ones); the HTTP status decides otherwise.
 */
export function graphError(status: number, error: GraphError | undefined, retryAfterMs?: number): ChannelError {
  const code = error?.code;
  const detail = [error?.message ?? error?.title ?? `Graph API answered ${status}`, error?.error_data?.details].filter(Boolean).join(': ');
  const message = code !== undefined ? `${detail} (WhatsApp error ${code})` : detail;
  if (code === REENGAGEMENT_REQUIRED) {
    return new ChannelError('REJECTED', `More than 24 hours have passed since the customer last wrote, so WhatsApp only accepts an approved template message now (WhatsApp error ${code})`);
  }
  if ((code !== undefined && RATE_LIMITS.has(code)) || status === 429) return new ChannelError('RATE_LIMITED', message, { retryAfterMs: retryAfterMs ?? 60_000 });
  if (code !== undefined && INVALID_RECIPIENT.has(code)) return new ChannelError('INVALID_RECIPIENT', message);
  if (code === 131031) return new ChannelError('AUTH', `The WhatsApp Business account is locked: ${message}`);
  if ((code !== undefined && TEMPORARY.has(code)) || status >= 500 || status === 408) return new ChannelError('TEMPORARY', message);
  if ((code !== undefined && AUTH.has(code)) || status === 401 || status === 403) return new ChannelError('AUTH', message);
  // 100 "Invalid parameter" about the recipient is a bad number; otherwise it is a message we built wrong.
  if (code === 100 && /\bto\b|phone|recipient/i.test(detail)) return new ChannelError('INVALID_RECIPIENT', message);
  return new ChannelError('REJECTED', message);
}
