import { ChannelError } from '../channel-error.ts';
import { describeConnectionError } from './connection-errors.ts';

interface SmtpFailure extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/**
 * SMTP replies mapped to the channel port (RFC 5321 §4.2.1): 4yz is transient, so the send worker retries;
 * 5yz to RCPT TO means this recipient does not exist or refuses us (INVALID_RECIPIENT, not retried); other
 * 5yz (the message itself refused: too large, spam) is REJECTED. The server's own words are kept, they
 * are what the operator sees. Connection trouble is temporary; a refused login is AUTH.
 */
export function smtpSendError(thrown: unknown, server: { host: string; port: number; secure: boolean }): ChannelError {
  const error = thrown as SmtpFailure;
  const code = error?.responseCode;
  const said = (error?.response ?? error?.message ?? '').toString().trim();
  if (error?.code === 'EAUTH' || error?.code === 'ENOAUTH') return describeConnectionError('SMTP', server, thrown);
  if (typeof code === 'number' && code >= 400 && code < 500) return new ChannelError('TEMPORARY', `The mail server deferred the message: ${said}`, { cause: thrown });
  if (typeof code === 'number' && code >= 500 && code < 600 && code !== 503) {
    const recipient = error.command === 'RCPT TO' || error.code === 'EENVELOPE';
    return new ChannelError(recipient ? 'INVALID_RECIPIENT' : 'REJECTED', `The mail server refused the ${recipient ? 'recipient' : 'message'}: ${said}`, { cause: thrown });
  }
  return describeConnectionError('SMTP', server, thrown);
}
