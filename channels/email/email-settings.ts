import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { InboxConfig } from '../channel-adapter.ts';
import { ChannelError } from '../channel-error.ts';

const Host = Type.String({ minLength: 1, maxLength: 255 });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });

/** An email inbox's settings (`POST /inboxes {kind:'email', settings}`); passwords go in `credentials`. */
const EmailSettingsSchema = Type.Object({
  /** The mailbox's address: replies are sent From it. */
  address: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' }),
  /** The name customers see on replies (default: the inbox's name). */
  displayName: Type.Optional(Type.String({ maxLength: 200 })),
  imap: Type.Object({
    host: Host,
    port: Port,
    /** true: TLS from the start (port 993); false: STARTTLS when the server offers it (port 143). */
    secure: Type.Boolean(),
    user: Type.String({ minLength: 1, maxLength: 320 }),
    /** Folders to receive from (default INBOX). */
    folders: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 10 })),
  }),
  smtp: Type.Object({
    host: Host,
    port: Port,
    /** true: TLS from the start (port 465); false: STARTTLS when offered (ports 587, 25). */
    secure: Type.Boolean(),
    /** Default: the IMAP user. */
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    /** SMTP connections kept open for sending (default 3): more send campaigns faster, if the server allows them. */
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  }),
  /** Also keep a copy of every reply in the mailbox's Sent folder (IMAP APPEND); not needed for Gmail, which does it itself. */
  appendToSent: Type.Optional(Type.Boolean()),
});

export type EmailSettingsInput = Static<typeof EmailSettingsSchema>;

export interface EmailSettings {
  address: string;
  displayName: string;
  imap: { host: string; port: number; secure: boolean; user: string; password: string; folders: string[] };
  smtp: { host: string; port: number; secure: boolean; user: string; password: string; maxConnections: number };
  appendToSent: boolean;
}

/** An email inbox's settings and credentials with defaults applied, or a ChannelError naming every problem. */
export function emailSettings(inbox: InboxConfig): EmailSettings {
  const problems = [...Value.Errors(EmailSettingsSchema, inbox.settings)].map((e) => `settings${e.instancePath.replaceAll('/', '.')} ${e.message}`);
  const imapPassword = inbox.credentials.imapPassword;
  if (!imapPassword) problems.push('credentials.imapPassword is required');
  if (problems.length) throw new ChannelError('REJECTED', `Invalid email settings: ${[...new Set(problems)].join('; ')}`);
  const settings = inbox.settings as EmailSettingsInput;
  return {
    address: settings.address.trim().toLowerCase(),
    displayName: settings.displayName?.trim() || inbox.name,
    imap: { ...settings.imap, password: imapPassword!, folders: settings.imap.folders ?? ['INBOX'] },
    // The same mailbox usually signs in to both with one user and password.
    smtp: { ...settings.smtp, user: settings.smtp.user ?? settings.imap.user, password: inbox.credentials.smtpPassword || imapPassword!, maxConnections: settings.smtp.maxConnections ?? 3 },
    appendToSent: settings.appendToSent ?? false,
  };
}

/** The email channel's limits and timings (src/config.ts). */
export interface EmailOptions {
  maxMessageBytes: number;
  noopIntervalMs: number;
  noopTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  connectTimeoutMs: number;
}
