/**
 * The one error adapters throw. The send worker retries TEMPORARY and RATE_LIMITED
 * (waiting `retryAfterMs` when the channel said how long) and fails the rest for good.
 */
export type ChannelErrorCode = 'TEMPORARY' | 'RATE_LIMITED' | 'AUTH' | 'INVALID_RECIPIENT' | 'BLOCKED_BY_USER' | 'REJECTED';

const RETRYABLE: ReadonlySet<ChannelErrorCode> = new Set(['TEMPORARY', 'RATE_LIMITED']);

export class ChannelError extends Error {
  readonly code: ChannelErrorCode;
  readonly retryAfterMs?: number;

  constructor(code: ChannelErrorCode, message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ChannelError';
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  /** Anything an adapter let slip (a bug, a socket error) is treated as temporary, so it is retried, not lost. */
  static from(error: unknown): ChannelError {
    if (error instanceof ChannelError) return error;
    return new ChannelError('TEMPORARY', error instanceof Error ? error.message : String(error), { cause: error });
  }
}
