import { ChannelError } from '../channel-error.ts';

interface ServerError extends Error {
  code?: string;
  /** imapflow: the server refused the login. */
  authenticationFailed?: boolean;
  /** imapflow: the TLS handshake or STARTTLS failed. */
  tlsFailed?: boolean;
  responseText?: string;
  serverResponseCode?: string;
  /** nodemailer: the SMTP reply code and text, and the command it answered. */
  responseCode?: number;
  response?: string;
  command?: string;
  cause?: unknown;
}

const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_(GET|VERIFY)_|ERR_OSSL_|ETLS$)/;

/** The Node error under a library's wrapper (nodemailer wraps ECONNREFUSED in ECONNECTION). */
function rootCode(error: ServerError): string | undefined {
  const inner = error.cause as ServerError | undefined;
  return inner?.code && inner.code !== error.code ? rootCode(inner) ?? inner.code : error.code;
}

/**
 * Turns an IMAP or SMTP failure into what an admin can act on ("the server refused the user name or
 * password", "unknown host", "connection refused", "TLS failed: is `secure` right for this port?") and the
 * channel port's code: a refused login is AUTH, the rest TEMPORARY (they may pass, and are retried).
 */
export function describeConnectionError(protocol: 'IMAP' | 'SMTP', server: { host: string; port: number; secure: boolean }, thrown: unknown): ChannelError {
  if (thrown instanceof ChannelError) return thrown;
  const error = (thrown instanceof Error ? thrown : new Error(String(thrown))) as ServerError;
  const where = `${server.host}:${server.port}`;
  // nodemailer reports a refused socket as ESOCKET with Node's code only in the message.
  const code = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET)\b/.exec(error.message)?.[1] ?? rootCode(error) ?? '';
  const said = (error.responseText ?? error.response ?? '').toString().trim();
  const fail = (channelCode: 'AUTH' | 'TEMPORARY' | 'REJECTED', message: string) => new ChannelError(channelCode, `${protocol}: ${message}`, { cause: thrown });

  if (error.authenticationFailed || error.code === 'EAUTH' || error.code === 'ENOAUTH') {
    return fail('AUTH', `the server refused the user name or password${said ? ` (${said})` : ''}. With Gmail or Outlook, use an app password.`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EDNS') return fail('TEMPORARY', `unknown host ${server.host} (the name does not resolve)`);
  if (code === 'ECONNREFUSED') return fail('TEMPORARY', `connection refused by ${where} (nothing listens there: check the host and port)`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return fail('TEMPORARY', `${where} cannot be reached from this server`);
  if (error.tlsFailed || TLS_CODES.test(code) || /wrong version number|ssl|tls|certificate/i.test(error.message)) {
    const hint = server.secure
      ? `this port may expect a plain connection upgraded with STARTTLS: try secure: false${protocol === 'IMAP' ? ' (port 143)' : ' (port 587)'}`
      : `this port may expect TLS from the start: try secure: true${protocol === 'IMAP' ? ' (port 993)' : ' (port 465)'}`;
    // OpenSSL's text is "…:SSL routines:<function>:<reason>:<file>:<line>:": the reason is what helps.
    const reason = /SSL routines:[^:]*:([^:]+):/.exec(error.message)?.[1] ?? error.message.trim();
    return fail('TEMPORARY', `TLS failed with ${where} (${reason}); ${hint}, and check the server's certificate`);
  }
  if (/timeout|timed out/i.test(`${code} ${error.message}`)) return fail('TEMPORARY', `no answer from ${where} in time (a firewall, or the wrong port?)`);
  if (code === 'ECONNRESET' || code === 'EPIPE' || error.code === 'ECONNECTION' || error.code === 'NoConnection' || error.code === 'EConnectionClosed') {
    return fail('TEMPORARY', `the connection to ${where} was closed (${error.message})`);
  }
  return fail('TEMPORARY', `${error.message}${said && !error.message.includes(said) ? ` (${said})` : ''}`);
}
