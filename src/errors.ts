/**
 * Every error a client may see has a code from this registry; the HTTP error handler
 * turns it into `{ error: { code, message } }` with the status below.
 */
export const ERROR_STATUS = {
  VALIDATION: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  /** The channel allows only templates now (WhatsApp: 24 hours after the customer's last message). */
  REPLY_WINDOW_CLOSED: 422,
  /** Retry: the message is not a reply to the customer (an inbound message, a private note). */
  NOT_RETRYABLE: 422,
  /** Retry: the reply has not failed (it is queued, on its way or delivered), so sending it again could send it twice. */
  NOT_FAILED: 409,
  /** Sending on another channel: the client card has no identity that channel can reach. */
  NO_IDENTITY_FOR_CHANNEL: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** A channel refused or failed a send made while the caller waits (a campaign test send). */
  CHANNEL_FAILED: 502,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = ERROR_STATUS[code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'You are not allowed to do this') => new AppError('FORBIDDEN', message);
export const badRequest = (message: string) => new AppError('BAD_REQUEST', message);
export const conflict = (message: string) => new AppError('CONFLICT', message);
