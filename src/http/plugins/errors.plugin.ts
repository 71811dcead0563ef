import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, ERROR_STATUS, type ErrorCode } from '../../errors.ts';

/** Fastify's own client errors, by code, in our vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION',
  FST_ERR_VALIDATION: 'VALIDATION',
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * The one error handler: every failure leaves as `{ error: { code, message } }`. Client errors say
 * what was wrong; server errors are logged in full and say nothing about internals.
 */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let code: ErrorCode;
    let message = error.message;
    if (error instanceof AppError) code = error.code;
    else if (error.validation) {
      code = 'VALIDATION';
      message = `Invalid ${error.validationContext ?? 'request'}: ${error.validation.map((v) => `${v.instancePath || '/'} ${v.message}${v.params && 'additionalProperty' in v.params ? ` (${String(v.params.additionalProperty)})` : ''}`).join('; ')}`;
    } else if (error.code && FASTIFY_CODES[error.code]) code = FASTIFY_CODES[error.code]!;
    else if (error.statusCode === 429) code = 'RATE_LIMITED';
    else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) code = 'BAD_REQUEST';
    else code = 'INTERNAL';

    const status = error instanceof AppError ? error.statusCode : code === 'BAD_REQUEST' ? error.statusCode! : ERROR_STATUS[code];
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      if (code === 'INTERNAL') message = 'Something went wrong on our side; it has been logged';
    }
    const body: ErrorBody = { error: { code, message } };
    return reply.status(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = { error: { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}` } };
    return reply.status(404).send(body);
  });
});
