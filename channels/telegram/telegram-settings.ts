import { createHmac } from 'node:crypto';
import type { InboxConfig } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';

export type TelegramMode = 'webhook' | 'polling';

/** What the server gives every Telegram adapter (config block `TELEGRAM_*`). */
export interface TelegramOptions {
  /** The Bot API's base URL: https://api.telegram.org, a self-hosted Bot API server, or a test peer. */
  apiRoot: string;
  /** Long-polling `timeout` in seconds (https://core.telegram.org/bots/api#getupdates): how long Telegram holds an empty poll. */
  pollTimeoutSeconds: number;
}

export const DEFAULT_TELEGRAM: TelegramOptions = { apiRoot: 'https://api.telegram.org', pollTimeoutSeconds: 25 };

export interface TelegramSettings {
  botToken: string;
  mode: TelegramMode;
}

/** A bot token looks like `123456:ABC-DEF…` (https://core.telegram.org/bots/api#authorizing-your-bot). */
const TOKEN = /^[0-9]+:[A-Za-z0-9_-]+$/;

/** The inbox's settings, checked on use, so a bad inbox says what is wrong instead of failing to load. */
export function telegramSettings(inbox: InboxConfig): TelegramSettings {
  const botToken = inbox.credentials.botToken?.trim();
  if (!botToken) throw new ChannelError('AUTH', 'A Telegram inbox needs credentials.botToken (from @BotFather)');
  if (!TOKEN.test(botToken)) throw new ChannelError('AUTH', 'credentials.botToken does not look like a bot token (digits, a colon, then letters)');
  const mode = inbox.settings.mode ?? 'webhook';
  if (mode !== 'webhook' && mode !== 'polling') throw new ChannelError('REJECTED', 'settings.mode must be "webhook" or "polling"');
  return { botToken, mode };
}

/**
 * The `secret_token` Telegram sends back in `X-Telegram-Bot-Api-Secret-Token` on every webhook call. Derived from
 * the inbox's own secret, so it is random, never stored twice and changes when the secret is rotated.
 * Allowed characters: A-Z, a-z, 0-9, _ and - (https://core.telegram.org/bots/api#setwebhook); base64url is exactly that.
 */
export function webhookSecretToken(inboxSecret: string): string {
  return createHmac('sha256', inboxSecret).update('telegram-webhook-secret-token').digest('base64url');
}

export const webhookUrl = (publicUrl: string, inboxId: number) => `${publicUrl.replace(/\/+$/, '')}/api/v1/channels/${inboxId}/webhook`;
