import MailComposer from 'nodemailer/lib/mail-composer';
import type { ChannelStateDto } from '../../src/inbox/channel-states.ts';
import { Message } from '../../src/store/entities/index.ts';
import { MAILBOX, type Dovecot } from './dovecot.ts';
import type { SmtpSink } from './smtp-sink.ts';
import { eventually, type Session, type TestServer } from './test-server.ts';

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

export type { Dovecot };
