import MailComposer from 'nodemailer/lib/mail-composer';
import type { Config } from '../../src/config.ts';
import type { ChannelStateDto } from '../../src/inbox/channel-states.ts';
import { Message } from '../../src/store/entities/index.ts';
import { FAST_EMAIL_CONFIG } from './channel-context.ts';
import { Dovecot, MAILBOX } from './dovecot.ts';
import { SmtpSink } from './smtp-sink.ts';
import { eventually, TestServer, type Session } from './test-server.ts';

/** Logging in hashes a password (argon2, seconds on a busy machine): once per server is enough. */
const sessions = new WeakMap<TestServer, Promise<Session>>();
export function adminOf(server: TestServer): Promise<Session> {
  let session = sessions.get(server);
  if (!session) sessions.set(server, (session = server.login()));
  return session;
}

/** Creates an email inbox on the server through the REST API (which checks both connections first). */
export async function createEmailInbox(server: TestServer, peers: { imap: { host: string; port: number; secure: boolean; user: string }; smtp: SmtpSink }, settings: Record<string, unknown> = {}): Promise<number> {
  const admin = await adminOf(server);
  const response = await server.app.inject({
    method: 'POST',
    url: '/api/v1/inboxes',
    headers: admin.headers,
    payload: { kind: 'email', name: 'Support', settings: { address: MAILBOX.address, displayName: 'Shop support', imap: peers.imap, smtp: peers.smtp.smtpSettings(MAILBOX.address), ...settings }, credentials: { imapPassword: MAILBOX.password, smtpPassword: MAILBOX.password } },
  });
  if (response.statusCode !== 201) throw new Error(`creating the email inbox failed: ${response.body}`);
  return response.json().id;
}

/** Waits until the inbox's receiver reports it is connected (its first catch-up done). */
export function connected(server: TestServer, inboxId: number, ms = 30_000): Promise<ChannelStateDto> {
  return eventually(async () => {
    const state = await server.services.channelStates.get(inboxId);
    return state?.status === 'connected' ? state : null;
  }, ms);
}

export interface MailInput {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: { filename: string; content: Buffer | string; contentType?: string; cid?: string }[];
}

/** A raw RFC 5322 message, composed by nodemailer as a mail client would. */
export function mail(input: MailInput): Promise<Buffer> {
  return new MailComposer({
    from: input.from ?? 'Ada Lovelace <ada@example.com>',
    to: input.to ?? MAILBOX.address,
    cc: input.cc,
    subject: input.subject ?? 'Question about my order',
    messageId: input.messageId,
    inReplyTo: input.inReplyTo,
    references: input.references,
    text: input.text,
    html: input.html,
    headers: input.headers,
    attachments: input.attachments,
  }).compile().build();
}

/** Inbound messages stored for this inbox. */
export async function storedMessages(server: TestServer, inboxId: number) {
  return server.runtime.orm.em.fork().find(Message, { inbox: inboxId, direction: 'in' }, { orderBy: { id: 'asc' }, populate: ['conversation'] });
}


/**
 * A Dovecot with one mailbox per user, an SMTP sink, and a server with an email inbox on each mailbox,
 * every receiver connected: what a test file about email needs.
 */
export class EmailTestbed {
  readonly inboxes = new Map<string, number>();

  readonly dovecot: Dovecot;
  readonly smtp: SmtpSink;
  readonly server: TestServer;
  readonly admin: Session;

  private constructor(dovecot: Dovecot, smtp: SmtpSink, server: TestServer, admin: Session) {
    this.dovecot = dovecot;
    this.smtp = smtp;
    this.server = server;
    this.admin = admin;
  }

  static async start(users: string[], options: { config?: Partial<Config>; workers?: boolean; settings?: (user: string) => Record<string, unknown> } = {}): Promise<EmailTestbed> {
    const dovecot = await Dovecot.start(users);
    const smtp = await SmtpSink.start({ user: MAILBOX.address, password: MAILBOX.password });
    const server = await TestServer.start({ config: { ...FAST_EMAIL_CONFIG, ...options.config }, workers: options.workers });
    const testbed = new EmailTestbed(dovecot, smtp, server, await adminOf(server));
    for (const user of users) testbed.inboxes.set(user, await createEmailInbox(server, { imap: dovecot.imapSettings(user), smtp }, options.settings?.(user)));
    for (const id of testbed.inboxes.values()) await connected(server, id);
    return testbed;
  }

  /** Waits until the mailbox's inbox has stored at least `count` inbound messages; returns them all. */
  inbound(user: string, count: number) {
    return eventually(async () => {
      const stored = await storedMessages(this.server, this.inboxes.get(user)!);
      return stored.length >= count ? stored : null;
    }, 30_000);
  }

  async close(): Promise<void> {
    await this.server.close();
    await this.smtp.close();
    await this.dovecot.stop();
  }
}
