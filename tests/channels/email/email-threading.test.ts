import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactIdentity, Conversation, Message } from '../../../src/store/entities/index.ts';
import { SETUP_TIMEOUT_MS, TEST_TIMEOUT_MS } from '../../helpers/channel-context.ts';
import { MAILBOX, type Dovecot } from '../../helpers/dovecot.ts';
import { EmailTestbed, mail, storedMessages } from '../../helpers/email-inbox.ts';
import type { SmtpSink } from '../../helpers/smtp-sink.ts';
import { eventually, type Session, type TestServer } from '../../helpers/test-server.ts';

const USERS = ['thread@crm.test', 'fresh@crm.test', 'errors@crm.test', 'bounce@crm.test', 'auto@crm.test', 'sent@crm.test'];

let testbed: EmailTestbed;
let dovecot: Dovecot;
let smtp: SmtpSink;
let server: TestServer;
let admin: Session;
let inboxes: Map<string, number>;

beforeAll(async () => {
  testbed = await EmailTestbed.start(USERS, { settings: (user) => (user === 'sent@crm.test' ? { appendToSent: true } : {}) });
  ({ dovecot, smtp, server, admin, inboxes } = testbed);
}, SETUP_TIMEOUT_MS);
afterAll(() => testbed?.close());

const em = () => server.runtime.orm.em.fork();
const waitForInbound = (user: string, count: number) => testbed.inbound(user, count);

/** An operator replies through the REST API; resolves with the reply once the worker settled it. */
async function operatorReplies(conversationId: number, text: string) {
  const response = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: admin.headers, payload: { text } });
  expect(response.statusCode).toBe(201);
  const id = response.json().id as number;
  return eventually(async () => {
    const message = await em().findOne(Message, id);
    return message && ['sent', 'failed'].includes(message.status) ? message : null;
  }, 30_000);
}

describe('email threading and replies', { timeout: TEST_TIMEOUT_MS }, () => {
  it('keeps a thread in one conversation, including the customer\'s reply to an operator\'s email sent through SMTP', async () => {
    const first = await mail({ subject: 'Broken kettle', messageId: '<kettle-1@example.com>', text: 'My kettle stopped working.' });
    await dovecot.deliver(first, { to: 'thread@crm.test' });
    const second = await mail({ subject: 'Re: Broken kettle', messageId: '<kettle-2@example.com>', inReplyTo: '<kettle-1@example.com>', references: ['<kettle-1@example.com>'], text: 'Order number 1234, forgot to say.' });
    await dovecot.deliver(second, { to: 'thread@crm.test' });
    const [m1, m2] = await waitForInbound('thread@crm.test', 2);
    expect(m2!.conversation.id).toBe(m1!.conversation.id);

    const reply = await operatorReplies(m1!.conversation.id, 'Sorry about that! A new kettle is on its way.');
    expect(reply.status).toBe('sent');
    const sent = smtp.messages.find((m) => m.parsed.text?.includes('A new kettle is on its way'))!;
    expect(sent.to).toEqual(['ada@example.com']);
    expect(sent.from).toBe(MAILBOX.address);
    expect(sent.parsed.from?.value[0]).toMatchObject({ name: 'Shop support', address: MAILBOX.address });
    expect(sent.parsed.subject).toBe('Re: Broken kettle');
    expect(sent.parsed.messageId).toBe(reply.externalId);
    expect(sent.parsed.inReplyTo).toBe('<kettle-2@example.com>');
    expect(sent.parsed.references).toEqual(['<kettle-1@example.com>', '<kettle-2@example.com>']);
    expect(sent.parsed.html).toContain('A new kettle is on its way.'); // text and HTML alternatives

    // The customer answers the operator's email: their client quotes it and refers to its Message-ID.
    await dovecot.deliver(await mail({
      subject: 'Re: Broken kettle', messageId: '<kettle-3@example.com>', inReplyTo: reply.externalId!, references: ['<kettle-1@example.com>', reply.externalId!],
      text: `Great, thank you!\n\nOn Tue, Shop support <${MAILBOX.address}> wrote:\n> Sorry about that! A new kettle is on its way.`,
    }), { to: 'thread@crm.test' });
    const [, , m3] = await waitForInbound('thread@crm.test', 3);
    expect(m3!.conversation.id).toBe(m1!.conversation.id);
    expect(m3!.text).toBe('Great, thank you!');
    expect(await em().count(Conversation, { inbox: inboxes.get('thread@crm.test')! })).toBe(1);
  });

  it('sends the files an operator attaches to a reply', async () => {
    await dovecot.deliver(await mail({ from: 'Kim <kim@example.com>', subject: 'Manual', text: 'Could you send the manual?' }), { to: 'fresh@crm.test' });
    const stored = await waitForInbound('fresh@crm.test', 1);
    const conversationId = stored.at(-1)!.conversation.id;
    const manual = Buffer.from('%PDF-1.4 the manual');
    const file = await server.services.attachments.save(manual, { name: 'manual.pdf', contentType: 'application/pdf' });
    const response = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: admin.headers, payload: { text: 'Here it is.', attachments: [{ key: file.key }] } });
    expect(response.statusCode).toBe(201);
    const sent = await eventually(async () => smtp.messages.find((m) => m.parsed.text?.includes('Here it is.')), 30_000);
    expect(sent.parsed.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([['manual.pdf', 'application/pdf', manual.toString()]]);
  });

  it('opens a new conversation for a new email without thread headers, even from a known customer', async () => {
    await dovecot.deliver(await mail({ subject: 'First topic', text: 'One thing' }), { to: 'fresh@crm.test' });
    await dovecot.deliver(await mail({ subject: 'Another topic', text: 'Another thing' }), { to: 'fresh@crm.test' });
    const [, a, b] = await waitForInbound('fresh@crm.test', 3);
    expect(b!.conversation.id).not.toBe(a!.conversation.id);
    expect((b!.conversation as Conversation).contact.id).toBe((a!.conversation as Conversation).contact.id);
  });

  it('retries a reply the mail server defers (4xx) and fails one it refuses (5xx) with the server\'s words', async () => {
    await dovecot.deliver(await mail({ from: 'Eve <eve@example.com>', subject: 'Delivery', text: 'When?' }), { to: 'errors@crm.test' });
    const [inbound] = await waitForInbound('errors@crm.test', 1);

    smtp.refuseNext('temporary');
    const deferred = await operatorReplies(inbound!.conversation.id, 'Tomorrow morning.');
    expect(deferred.status).toBe('sent');
    expect(smtp.messages.filter((m) => m.parsed.text?.includes('Tomorrow morning.'))).toHaveLength(1);

    smtp.refuseNext('permanent');
    const refused = await operatorReplies(inbound!.conversation.id, 'Anything else?');
    expect(refused.status).toBe('failed');
    expect(refused.failureReason).toContain('5.1.1 <nobody@example.com>: Recipient address rejected: User unknown');
    expect(smtp.messages.some((m) => m.parsed.text?.includes('Anything else?'))).toBe(false);
  });

  it('marks a bounced address on the client card and the reply as failed, without opening a conversation', async () => {
    await dovecot.deliver(await mail({ from: 'Frank <frank@example.com>', subject: 'Invoice', text: 'Please resend the invoice.' }), { to: 'bounce@crm.test' });
    const [inbound] = await waitForInbound('bounce@crm.test', 1);
    const reply = await operatorReplies(inbound!.conversation.id, 'Here it is again.');
    expect(reply.status).toBe('sent');

    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>', 'To: bounce@crm.test', 'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <dsn-1@mx.example.com>', 'Auto-Submitted: auto-replied', 'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"', '',
      '--DSN', 'Content-Type: text/plain', '', 'Your message could not be delivered.', '',
      '--DSN', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.example.com', '',
      'Final-Recipient: rfc822; frank@example.com', 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 <frank@example.com>: mailbox unavailable', '',
      '--DSN', 'Content-Type: text/rfc822-headers', '', `From: Shop support <${MAILBOX.address}>`, 'To: frank@example.com', 'Subject: Re: Invoice', `Message-ID: ${reply.externalId}`, '',
      '--DSN--', '',
    ].join('\r\n');
    await dovecot.deliver(dsn, { to: 'bounce@crm.test', from: '' });

    const identity = await eventually(async () => {
      const found = await em().findOne(ContactIdentity, { kind: 'email', value: 'frank@example.com' });
      return found?.unreachableReason ? found : null;
    }, 30_000);
    expect(identity.unreachableReason).toContain('5.1.1');
    expect(identity.unreachableReason).toContain('mailbox unavailable');
    await eventually(async () => (await em().findOneOrFail(Message, reply.id)).status === 'failed', 30_000);
    expect(await em().count(Conversation, { inbox: inboxes.get('bounce@crm.test')! })).toBe(1);
    // The card over the API shows it too.
    const card = await server.app.inject({ method: 'GET', url: `/api/v1/contacts/${identity.contact.id}`, headers: admin.headers });
    expect(card.json().identities).toContainEqual(expect.objectContaining({ kind: 'email', value: 'frank@example.com', unreachableReason: expect.stringContaining('5.1.1') }));
  });

  it('lets auto-replies and out-of-office notes open no conversation', async () => {
    await dovecot.deliver(await mail({ from: 'Gina <gina@example.com>', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' }, text: 'I am away until Monday.' }), { to: 'auto@crm.test' });
    await dovecot.deliver(await mail({ from: 'Hank <hank@example.com>', subject: 'Auto: Re: your order', headers: { 'X-Autoreply': 'yes' }, text: 'Thanks, we got your message.' }), { to: 'auto@crm.test' });
    await dovecot.deliver(await mail({ from: 'Ivy <ivy@example.com>', subject: 'A real question', text: 'Do you ship to Norway?' }), { to: 'auto@crm.test' });
    const stored = await waitForInbound('auto@crm.test', 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await storedMessages(server, inboxes.get('auto@crm.test')!)).map((m) => m.text)).toEqual(['Do you ship to Norway?']);
    expect(stored).toHaveLength(1);
    expect(await em().count(Conversation, { inbox: inboxes.get('auto@crm.test')! })).toBe(1);
  });

  it('keeps a copy of each reply in the Sent folder when the inbox asks for it', async () => {
    await dovecot.deliver(await mail({ from: 'Jane <jane@example.com>', subject: 'Receipt', text: 'Can I get a receipt?' }), { to: 'sent@crm.test' });
    const [inbound] = await waitForInbound('sent@crm.test', 1);
    const reply = await operatorReplies(inbound!.conversation.id, 'Attached to this email soon.');
    expect(reply.status).toBe('sent');

    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.imapPort, secure: false, auth: { user: 'sent@crm.test', pass: MAILBOX.password }, logger: false });
    await client.connect();
    try {
      await client.mailboxOpen('Sent');
      const copies = await client.fetchAll('1:*', { source: true, flags: true });
      expect(copies).toHaveLength(1);
      const parsed = await simpleParser(copies[0]!.source!);
      expect(parsed.messageId).toBe(reply.externalId);
      expect(parsed.text?.trim()).toBe('Attached to this email soon.');
      expect(copies[0]!.flags?.has('\\Seen')).toBe(true);
    } finally {
      await client.logout();
    }
  });
});
