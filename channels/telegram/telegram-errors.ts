import { GrammyError, HttpError } from 'grammy';
import { ChannelError } from '../channel-error.ts';

/**
 * Turns what grammY throws into the one error the send worker understands.
 * Bot API errors: https://core.telegram.org/bots/api#making-requests and https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 */
export function telegramError(error: unknown): ChannelError {
  if (error instanceof ChannelError) return error;
  if (error instanceof GrammyError) {
    const detail = `Telegram ${error.method}: ${error.error_code} ${error.description}`;
    const code = error.error_code;
    // 429 carries parameters.retry_after (seconds): waiting exactly that long is what Telegram asks.
    if (code === 429) return new ChannelError('RATE_LIMITED', detail, { cause: error, retryAfterMs: (error.parameters.retry_after ?? 1) * 1000 });
    if (code === 401 || code === 404) return new ChannelError('AUTH', `${detail} (is the bot token right?)`, { cause: error });
    // 403 "Forbidden: bot was blocked by the user" / "user is deactivated" / "bot was kicked from the group chat".
    if (code === 403) return new ChannelError('BLOCKED_BY_USER', detail, { cause: error });
    if (code === 400 && /chat not found|user not found|PEER_ID_INVALID|chat_id is empty/i.test(error.description)) return new ChannelError('INVALID_RECIPIENT', detail, { cause: error });
    // The group became a supergroup: the chat id changed for good.
    if (code === 400 && error.parameters.migrate_to_chat_id) return new ChannelError('INVALID_RECIPIENT', `${detail} (the chat moved to ${error.parameters.migrate_to_chat_id})`, { cause: error });
    if (code >= 500) return new ChannelError('TEMPORARY', detail, { cause: error });
    return new ChannelError('REJECTED', detail, { cause: error });
  }
  if (error instanceof HttpError) return new ChannelError('TEMPORARY', `Telegram did not answer: ${error.message}`, { cause: error });
  return ChannelError.from(error);
}
