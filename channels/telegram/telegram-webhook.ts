import { createHash, timingSafeEqual } from 'node:crypto';
import type { Update } from 'grammy/types';
import type { WebhookRequest, WebhookResponse } from '../channel-adapter.ts';

const HEADER = 'x-telegram-bot-api-secret-token';
const digest = (value: string) => createHash('sha256').update(value).digest();

const refuse = (status: number, code: string, message: string): WebhookResponse => ({ status, body: { error: { code, message } } });

/**
 * Checks a webhook call and reads its update. The secret header is compared (in constant time, over digests so the
 * lengths match) before the body is even parsed: a caller without it learns nothing and costs us nothing.
 * https://core.telegram.org/bots/api#setwebhook (secret_token)
 */
export function readWebhookUpdate(request: WebhookRequest, expectedSecret: string): { update: Update } | { response: WebhookResponse } {
  if (request.method !== 'POST') return { response: refuse(405, 'BAD_REQUEST', 'Telegram posts updates') };
  const header = request.headers[HEADER];
  const given = Array.isArray(header) ? header[0] : header;
  if (!given) return { response: refuse(401, 'UNAUTHENTICATED', 'Missing X-Telegram-Bot-Api-Secret-Token') };
  if (!timingSafeEqual(digest(given), digest(expectedSecret))) return { response: refuse(403, 'FORBIDDEN', 'Wrong X-Telegram-Bot-Api-Secret-Token') };
  let update: unknown;
  try {
    update = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return { response: refuse(400, 'BAD_REQUEST', 'The body is not JSON') };
  }
  if (!update || typeof update !== 'object' || typeof (update as Update).update_id !== 'number') return { response: refuse(400, 'BAD_REQUEST', 'The body is not a Telegram update') };
  return { update: update as Update };
}
