import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { ChannelError } from '../channel-error.ts';
import { describeConnectionError } from './connection-errors.ts';
import type { EmailOptions, EmailSettings } from './email-settings.ts';

/** How long a connection rests before imapflow starts IDLE: short, so new mail is pushed to us at once. */
const AUTO_IDLE_DELAY_MS = 300;

/** A new IMAP connection (not yet connected); imapflow clients cannot be reused once closed. */
export function imapClient(settings: EmailSettings, options: EmailOptions, extra: Partial<ImapFlowOptions> = {}): ImapFlow {
  const { imap } = settings;
  return new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    auth: { user: imap.user, pass: imap.password },
    logger: false,
    clientInfo: { name: 'omnichannel-crm' },
    connectionTimeout: options.connectTimeoutMs,
    greetingTimeout: options.connectTimeoutMs,
    autoIdleDelay: AUTO_IDLE_DELAY_MS,
    ...extra,
  });
}

/** Logs in, checks every configured folder exists, logs out; throws a ChannelError saying what failed. */
export async function verifyImap(settings: EmailSettings, options: EmailOptions): Promise<void> {
  const client = imapClient(settings, options, { verifyOnly: true, includeMailboxes: true });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw describeConnectionError('IMAP', settings.imap, error);
  } finally {
    client.close();
  }
  const paths = new Set((client.mailboxList ?? []).map((m) => m.path.toUpperCase()));
  const missing = settings.imap.folders.filter((folder) => paths.size > 0 && !paths.has(folder.toUpperCase()));
  if (missing.length) {
    throw new ChannelError('REJECTED', `IMAP: no folder named ${missing.join(', ')} in this mailbox (it has ${[...paths].slice(0, 20).join(', ')})`);
  }
}

/**
 * Keeps a copy of a sent reply in the mailbox's Sent folder (the one marked \Sent, RFC 6154; else "Sent",
 * created when missing), as a mail client would, since SMTP servers other than Gmail's do not do it.
 */
export async function appendToSent(settings: EmailSettings, options: EmailOptions, raw: Buffer): Promise<void> {
  const client = imapClient(settings, options, { disableAutoIdle: true });
  client.on('error', () => {});
  try {
    await client.connect();
    const folders = await client.list();
    let path = folders.find((f) => f.specialUse === '\\Sent')?.path ?? folders.find((f) => /^(sent|sent items|sent messages)$/i.test(f.name))?.path;
    if (!path) path = (await client.mailboxCreate('Sent')).path;
    await client.append(path, raw, ['\\Seen'], new Date());
    await client.logout();
  } finally {
    client.close();
  }
}
