import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/**
 * The one reader of `process.env`. Every setting is declared here with its default,
 * parsed once, and frozen; the rest of the code takes a `Config` object.
 */
const ConfigSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development' }),
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  /** Public base URL of this server, used in links and webhooks. */
  /** The address customers' channels reach us at (webhooks, widget, links). Default: http://localhost:<PORT>. */
  PUBLIC_URL: Type.Optional(Type.String()),
  /** `postgres://…` for PostgreSQL; empty means the embedded SQLite file below. */
  DATABASE_URL: Type.String({ default: '' }),
  SQLITE_PATH: Type.String({ default: './data/crm.sqlite' }),
  DATA_DIR: Type.String({ default: './data' }),
  /** Empty: use 127.0.0.1:6379 if it answers, else start a private redis-server under DATA_DIR. */
  REDIS_URL: Type.String({ default: '' }),
  /** Prefix for every Redis key (queues, socket streams, rate limits); lets several installs share one Redis. */
  REDIS_PREFIX: Type.String({ default: 'crm' }),
  ADMIN_EMAIL: Type.String({ default: 'admin@localhost' }),
  ADMIN_PASSWORD: Type.String({ default: '' }),
  /** Comma-separated origins allowed to open the operator socket and call the API from a browser. */
  CORS_ORIGINS: Type.String({ default: 'http://localhost:3000' }),
  SESSION_TTL_HOURS: Type.Number({ default: 24 * 14, minimum: 1 }),
  /** Run the BullMQ workers inside the server process (set false when running `npm run worker` separately). */
  RUN_WORKERS: Type.Boolean({ default: true }),
  WORKER_CONCURRENCY: Type.Integer({ default: 8, minimum: 1 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 0 }),
  /** Largest file a customer or operator may send, on any channel. */
  ATTACHMENT_MAX_BYTES: Type.Integer({ default: 25 * 1024 * 1024, minimum: 1024 }),
  BODY_LIMIT_BYTES: Type.Integer({ default: 1_048_576, minimum: 1024 }),
  LOGIN_RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 10, minimum: 1 }),
  /** Inbound batches stored at once (group commit). Default: 4 on PostgreSQL, 1 on SQLite (one connection). */
  INGEST_LANES: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
  SEND_ATTEMPTS: Type.Integer({ default: 8, minimum: 1 }),
  /** Timeout for calls to an API inbox's callback URL. */
  CALLBACK_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  /** Campaign send jobs one worker process handles at once (campaigns have their own queues, so replies never wait behind them). */
  CAMPAIGN_CONCURRENCY: Type.Integer({ default: 16, minimum: 1 }),
  /** Cards the campaign worker reads, writes to the send ledger and enqueues per batch. */
  CAMPAIGN_BATCH_SIZE: Type.Integer({ default: 1000, minimum: 10, maximum: 5000 }),
  /** Tries for a campaign send whose channel fails temporarily (backoff as for replies, honouring Retry-After). */
  CAMPAIGN_SEND_ATTEMPTS: Type.Integer({ default: 8, minimum: 1 }),
  /** How long a worker holds a campaign job; a send of a worker that died is picked up (and marked unknown) after this. */
  CAMPAIGN_LOCK_MS: Type.Integer({ default: 30_000, minimum: 1000 }),
  /** How often live campaign progress is pushed to marketers (at most). */
  CAMPAIGN_PROGRESS_MS: Type.Integer({ default: 1000, minimum: 50 }),
  /**
   * A receiver that holds a connection (an IMAP mailbox, Telegram long polling) runs in one server process at a
   * time, under a lease in Redis renewed every third of this; if that process dies, another takes over within it.
   */
  RECEIVER_LEASE_MS: Type.Integer({ default: 15_000, minimum: 300 }),
  /** Emails larger than this are recorded as rejected (with sender, subject and reason), not downloaded or parsed. */
  EMAIL_MAX_MESSAGE_BYTES: Type.Integer({ default: 25 * 1024 * 1024, minimum: 1024 }),
  /** How often an idle IMAP connection is checked with NOOP; a NOOP unanswered within EMAIL_NOOP_TIMEOUT_MS means the connection died silently. */
  EMAIL_NOOP_INTERVAL_MS: Type.Integer({ default: 60_000, minimum: 100 }),
  EMAIL_NOOP_TIMEOUT_MS: Type.Integer({ default: 20_000, minimum: 100 }),
  /** Reconnecting to IMAP waits this long after a failure, doubling up to EMAIL_RECONNECT_MAX_MS. */
  EMAIL_RECONNECT_MIN_MS: Type.Integer({ default: 1000, minimum: 10 }),
  EMAIL_RECONNECT_MAX_MS: Type.Integer({ default: 5 * 60_000, minimum: 10 }),
  /** Timeout for connecting to an IMAP or SMTP server (DNS, TCP, TLS and greeting). */
  EMAIL_CONNECT_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 100 }),
  /** The Telegram Bot API's address: https://api.telegram.org, or a self-hosted Bot API server (https://github.com/tdlib/telegram-bot-api). */
  TELEGRAM_API_ROOT: Type.String({ default: 'https://api.telegram.org' }),
  /** How long one long poll of a polling Telegram inbox waits for updates (Telegram holds it up to this, in seconds). */
  TELEGRAM_POLL_TIMEOUT_S: Type.Integer({ default: 25, minimum: 0, maximum: 50 }),
  /** SMS over SMPP: enquire_link keep-alive period, how long a bind or submit_sm waits for its answer, reconnect backoff (doubling from min to max). */
  SMS_ENQUIRE_LINK_MS: Type.Integer({ default: 30_000, minimum: 100 }),
  SMS_REQUEST_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  SMS_RECONNECT_MIN_MS: Type.Integer({ default: 1000, minimum: 10 }),
  SMS_RECONNECT_MAX_MS: Type.Integer({ default: 5 * 60_000, minimum: 10 }),
  /** WhatsApp Web (whatsapp-web.js): the Chromium it drives (puppeteer never downloads one); sessions live under DATA_DIR. */
  CHROME_PATH: Type.String({ default: '/usr/bin/chromium' }),
  /** Sends per minute per linked number and per chat: kept low on purpose, fast unofficial clients get numbers banned. */
  WHATSAPP_WEB_SENDS_PER_MINUTE: Type.Integer({ default: 20, minimum: 1 }),
  WHATSAPP_WEB_SENDS_PER_CHAT_PER_MINUTE: Type.Integer({ default: 6, minimum: 1 }),
  /** Restarting a disconnected WhatsApp Web client waits this long, doubling up to the max. */
  WHATSAPP_WEB_RECONNECT_MIN_MS: Type.Integer({ default: 5000, minimum: 10 }),
  WHATSAPP_WEB_RECONNECT_MAX_MS: Type.Integer({ default: 5 * 60_000, minimum: 10 }),
  LOG_LEVEL: Type.String({ default: 'info' }),
});

export type Config = Readonly<Static<typeof ConfigSchema> & { PUBLIC_URL: string }>;

/** Parses settings from an environment (default `process.env`); throws one readable line per bad setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const known = Object.keys(ConfigSchema.properties);
  const raw: Record<string, unknown> = {};
  for (const key of known) if (env[key] !== undefined && env[key] !== '') raw[key] = env[key];
  const value = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, { ...raw, ...overrides })) as Record<string, unknown>;
  value.PUBLIC_URL ??= `http://localhost:${value.PORT}`;
  if (!Value.Check(ConfigSchema, value)) {
    const problems = [...Value.Errors(ConfigSchema, value)].map((e) => `${e.instancePath.slice(1)}: ${e.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return Object.freeze(value as Config);
}

export function isPostgres(config: Config): boolean {
  return /^postgres(ql)?:\/\//.test(config.DATABASE_URL);
}
