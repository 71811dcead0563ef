import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailAdapter } from '../../../channels/email/email.adapter.ts';
import { testAdapterContext } from '../../helpers/channel-context.ts';
import { MAILBOX } from '../../helpers/dovecot.ts';
import { SmtpSink } from '../../helpers/smtp-sink.ts';

let smtp: SmtpSink;
let adapter: EmailAdapter;
const to = { inboxId: 7, externalThreadId: 'ada@example.com', externalUserId: 'ada@example.com' };

beforeAll(async () => {
  smtp = await SmtpSink.start({ user: MAILBOX.address, password: MAILBOX.password });
  adapter = new EmailAdapter({
    id: 7, kind: 'email', name: 'Shop', secret: 'inbox-secret',
    // IMAP is never reached: sending only talks SMTP.
    settings: { address: MAILBOX.address, displayName: 'Shop', imap: { host: '127.0.0.1', port: 1, secure: false, user: MAILBOX.address }, smtp: smtp.smtpSettings(MAILBOX.address) },
    credentials: { imapPassword: MAILBOX.password, smtpPassword: MAILBOX.password },
    updatedAt: new Date(), createdAt: new Date(),
  }, testAdapterContext());
});
afterAll(async () => {
  await adapter?.stop();
  await smtp?.close();
});

describe('campaign mail over SMTP', () => {
  it('keeps the campaign subject as written, with one-click unsubscribe headers and a campaign tag', async () => {
    await adapter.send(to, {
      id: 5, conversationId: 0, text: 'Our spring sale starts today.', attachments: [], subject: 'Spring sale',
      deliveryId: 'campaign-3-5', campaign: { campaignId: 3, recipientId: 5 },
      headers: { 'List-Unsubscribe': '<https://crm.test/u/abc>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    const mail = smtp.messages.at(-1)!.parsed;
    expect(mail.subject).toBe('Spring sale');
    expect(String(mail.headers.get('x-campaign-id'))).toBe('3');
    const raw = smtp.messages.at(-1)!.raw.toString();
    expect(raw).toContain('List-Unsubscribe: <https://crm.test/u/abc>');
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('gives a campaign send and a reply that share a row number different Message-IDs, and a retry the same one', async () => {
    const campaignSend = { id: 9, conversationId: 0, text: 'Hello', attachments: [], subject: 'News', deliveryId: 'campaign-4-9' };
    await adapter.send(to, campaignSend);
    await adapter.send(to, campaignSend);
    await adapter.send(to, { id: 9, conversationId: 12, text: 'A reply', attachments: [], subject: 'Question' });
    const [first, retry, reply] = smtp.messages.slice(-3).map((m) => m.parsed);
    expect(retry.messageId).toBe(first.messageId);
    expect(reply.messageId).not.toBe(first.messageId);
    expect(reply.subject).toBe('Re: Question');
  });
});
