import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll } from 'vitest';
import { EmailAdapter } from '../../channels/email/email.adapter.ts';
import { SETUP_TIMEOUT_MS, testAdapterContext } from '../helpers/channel-context.ts';
import { Dovecot, MAILBOX } from '../helpers/dovecot.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { channelConformance } from './conformance.ts';

let dovecot: Dovecot;
let smtp: SmtpSink;

beforeAll(async () => {
  dovecot = await Dovecot.start();
  smtp = await SmtpSink.start({ user: MAILBOX.address, password: MAILBOX.password });
}, SETUP_TIMEOUT_MS);
afterAll(async () => {
  await smtp?.close();
  await dovecot?.stop();
});

/** Empties the mailbox, so each test sees only its own mail. */
async function emptyInbox(): Promise<void> {
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.imapPort, secure: false, auth: { user: MAILBOX.address, pass: MAILBOX.password }, logger: false });
  await client.connect();
  await client.mailboxOpen('INBOX');
  if (client.mailbox && client.mailbox.exists > 0) await client.messageDelete('1:*');
  await client.logout();
}

channelConformance('the email channel (Dovecot IMAP + SMTP)', async () => {
  await emptyInbox();
  smtp.messages.length = 0;
  const inbox = {
    id: 7, kind: 'email' as const, name: 'Support', secret: 'inbox-secret',
    settings: { address: MAILBOX.address, imap: dovecot.imapSettings(), smtp: smtp.smtpSettings(MAILBOX.address) },
    credentials: { imapPassword: MAILBOX.password },
    updatedAt: new Date(), createdAt: new Date(),
  };
  const adapter = new EmailAdapter(inbox, testAdapterContext());
  return {
    adapter,
    address: { inboxId: 7, externalThreadId: '<root@example.com>', externalUserId: 'ada@example.com' },
    customerWrites: (text) => dovecot.deliver(`From: Ada <ada@example.com>\r\nTo: ${MAILBOX.address}\r\nSubject: Help\r\nMessage-ID: <${Date.now()}.${Math.random()}@example.com>\r\n\r\n${text}\r\n`),
    peerFailsNextSend: (kind) => smtp.refuseNext(kind),
    received: async () => smtp.messages.map((m) => (m.parsed.text ?? '').trim()),
    close: async () => {},
  };
});
