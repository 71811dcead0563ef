import type { ChannelCapabilities, InboxConfig, RateLimit } from '../../channels/channel-adapter.ts';

/**
 * What a provider account may send when neither the inbox nor its adapter says otherwise: near each provider's
 * documented limit, a little under it. An admin sets an inbox's own with settings `{ "rateLimits": { "perAccount":
 * { "max": 200, "perMs": 1000 } } }` (an SMTP server's or SMS provider's contract).
 */
export const DEFAULT_ACCOUNT_LIMITS: Record<string, RateLimit> = {
  // https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this — about 30 messages a second per bot.
  telegram: { max: 30, perMs: 1000 },
  // https://developers.facebook.com/docs/whatsapp/throughput — 80 messages a second per business phone number by default.
  'whatsapp-cloud': { max: 80, perMs: 1000 },
  // WhatsApp Web is an unofficial client: a slow, steady pace (a burst of identical messages risks a ban).
  whatsapp: { max: 1, perMs: 2000 },
  // SMPP accounts are usually sold by throughput (TPS); 10/s is a common entry level.
  sms: { max: 10, perMs: 1000 },
  // SMTP relays differ widely (Amazon SES starts at 14/s); raise it to what your server accepts.
  email: { max: 14, perMs: 1000 },
};

const isLimit = (value: unknown): value is RateLimit =>
  typeof value === 'object' && value !== null && Number.isFinite((value as RateLimit).max) && (value as RateLimit).max > 0 && Number.isFinite((value as RateLimit).perMs) && (value as RateLimit).perMs > 0;

/** The limits one campaign send falls under: the account's (inbox setting, else the adapter's declaration, else the default for the kind), and the chat's if the channel has one. */
export function campaignLimits(inbox: InboxConfig, capabilities: ChannelCapabilities, threadId: string) {
  const configured = (inbox.settings.rateLimits as { perAccount?: unknown; perThread?: unknown } | undefined) ?? {};
  const perAccount = isLimit(configured.perAccount) ? configured.perAccount : capabilities.rateLimits?.perAccount ?? DEFAULT_ACCOUNT_LIMITS[inbox.kind];
  const perThread = isLimit(configured.perThread) ? configured.perThread : capabilities.rateLimits?.perThread;
  // The account key is the one replies use too (send-message.worker.ts): a campaign and the inbox share the provider's allowance.
  // Campaign sends go out evenly (a burst of a tenth of the limit), not in bursts: the provider counts arrivals, and network
  // jitter would bunch a full burst into more than it allows. Replies keep the full burst on the same bucket.
  return [
    ...(perThread ? [{ key: `${inbox.id}:thread:${threadId}`, limit: perThread }] : []),
    ...(perAccount ? [{ key: `${inbox.id}`, limit: perAccount, burst: Math.max(1, Math.ceil(perAccount.max / 10)) }] : []),
  ];
}
