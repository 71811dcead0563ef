import { copyFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedInbound } from '../../channels/channel-adapter.ts';
import type { IngestResult } from '../../src/inbox/ingest.service.ts';
import { Conversation, Inbox, Message } from '../../src/store/entities/index.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import type { Session, TestServer } from '../helpers/test-server.ts';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/**
 * A realistic inbox (five customers on five channels, one conversation open with its client card) for the
 * README's picture. `DOCS_SCREENSHOT=1` also copies it to docs/inbox.png.
 */
describe('the inbox at a glance', () => {
  let server: TestServer;
  let browser: TestBrowser;
  let admin: Session;

  beforeAll(async () => {
    server = await appServer({ workers: false });
    admin = await server.login();
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const api = async (method: 'POST' | 'PATCH' | 'PUT', url: string, payload: object) => {
    const response = await server.app.inject({ method, url: `/api/v1${url}`, headers: admin.headers, payload });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json();
  };

  /** Inboxes of each kind, stored directly: the picture needs their names and badges, not live channels. */
  async function inbox(kind: string, name: string): Promise<number> {
    const em = server.runtime.orm.em.fork();
    const row = em.create(Inbox, { kind, name, settings: {}, credentials: {}, secret: randomBytes(16).toString('hex') });
    await em.flush();
    return row.id;
  }

  /** A customer writes (through the same ingest every channel uses), `minutes` ago. */
  async function writes(inboxId: number, minutes: number, sender: NormalizedInbound['sender'], text: string, meta?: Record<string, unknown>): Promise<number> {
    const { conversationId, message } = (await server.services.sink.message({ inboxId, externalMessageId: `m-${randomBytes(6).toString('hex')}`, sender, text, attachments: [], sentAt: minutesAgo(minutes), meta })) as IngestResult;
    await backdate(conversationId, message.id, minutes);
    return conversationId;
  }

  async function backdate(conversationId: number, messageId: number, minutes: number) {
    const em = server.runtime.orm.em.fork();
    await em.nativeUpdate(Conversation, { id: conversationId }, { lastActivityAt: minutesAgo(minutes) });
    await em.nativeUpdate(Message, { id: messageId }, { createdAt: minutesAgo(minutes) });
  }

  it('shows the list across channels, an open conversation and its client card', { timeout: 90_000 }, async () => {
    const telegram = await inbox('telegram', 'Acme bot');
    const email = await inbox('email', 'support@acme.example');
    const whatsapp = await inbox('whatsapp-cloud', 'WhatsApp +44 20 7946 0000');
    const webchat = await inbox('webchat', 'Website chat');
    const sms = await inbox('sms', 'SMS');
    for (const [name, color, description] of [['vip', '#8e44ad', 'Big spenders'], ['delivery', '#1e9e6a', 'Where is my order'], ['billing', '#d9822b', 'Invoices and refunds']] as const) {
      await api('POST', '/labels', { name, color, description });
    }

    await writes(sms, 95, { externalUserId: '+447700900123', phone: '+447700900123', name: 'Eve Adams' }, 'Can I change the delivery address for order 1077?');
    await writes(webchat, 48, { externalUserId: 'visitor-8f2c', name: 'Dmitri Petrov' }, 'Is there a discount for students?');
    const chiara = await writes(whatsapp, 31, { externalUserId: '393471234567', phone: '+393471234567', name: 'Chiara Rossi' }, 'Ciao! Do you ship to Italy?');
    await writes(whatsapp, 30, { externalUserId: '393471234567' }, 'And how long does it take?');
    const bob = await writes(email, 20, { externalUserId: 'bob@example.org', email: 'bob@example.org', name: 'Bob Martin' }, 'Hello, could you send me a copy of the October invoice? Thanks, Bob', { subject: 'Invoice for October' });
    await api('POST', `/conversations/${bob}/labels`, { labels: ['billing'] });
    await api('POST', `/conversations/${chiara}/labels`, { labels: ['delivery'] });

    // Ada: the open conversation, with a reply (delivered and read), a private note and her answer.
    const ada = await writes(telegram, 14, { externalUserId: '5012345678', name: 'Ada Lovelace', username: 'ada_l' }, 'Hi! My order #1042 still has not arrived. It was due on Monday, can you check?');
    const reply = await api('POST', `/conversations/${ada}/messages`, { text: 'Hi Ada, sorry about that! Let me check with the warehouse right away.' });
    await server.runtime.orm.em.fork().nativeUpdate(Message, { id: reply.id }, { status: 'read', createdAt: minutesAgo(12), sentAt: minutesAgo(12) });
    const note = await api('POST', `/conversations/${ada}/messages`, { text: 'Warehouse: shipped on Tuesday with DHL, tracking JD0146 0000 1234', private: true });
    await server.runtime.orm.em.fork().nativeUpdate(Message, { id: note.id }, { createdAt: minutesAgo(8) });
    const followUp = (await server.services.sink.message({ inboxId: telegram, externalMessageId: 'ada-2', sender: { externalUserId: '5012345678' }, text: 'Great, thank you! Could you send me the tracking link?', attachments: [], sentAt: minutesAgo(3) })) as IngestResult;
    await backdate(ada, followUp.message.id, 3);
    await api('POST', `/conversations/${ada}/labels`, { labels: ['delivery', 'vip'] });
    await api('PATCH', `/conversations/${ada}`, { assigneeId: admin.operatorId });
    const { contactId } = followUp;
    await api('POST', `/contacts/${contactId}/identities`, { kind: 'email', value: 'ada@analytical.example' });
    await api('POST', `/contacts/${contactId}/identities`, { kind: 'phone', value: '+44 20 7946 0018' });
    await api('PUT', `/contacts/${contactId}/tags`, { tags: ['customer', 'newsletter'] });
    await api('PATCH', `/contacts/${contactId}`, { language: 'en', timezone: 'Europe/London', customFields: { plan: 'Pro', orders: '12' } });
    await api('POST', `/contacts/${contactId}/notes`, { body: 'Prefers Telegram. Ordered 12 times since 2024.' });

    const page = await browser.page({ viewport: { width: 1440, height: 900 }, timezoneId: 'America/Los_Angeles', locale: 'en-US' });
    await logIn(page, server.url);
    await page.locator('.row', { hasText: 'Eve Adams' }).waitFor();
    expect(await page.locator('.rows li .row-name').allTextContents()).toEqual(['Ada Lovelace', 'Bob Martin', 'Chiara Rossi', 'Dmitri Petrov', 'Eve Adams']);
    await page.locator('.row', { hasText: 'Ada Lovelace' }).click();
    const card = page.getByRole('complementary', { name: 'Client card' });
    await card.getByText('ada@analytical.example').waitFor();
    await card.getByText('Prefers Telegram').waitFor();
    await page.locator('.msg-in', { hasText: 'tracking link' }).waitFor();
    await page.locator('.msg-out', { hasText: 'warehouse right away' }).locator('.tick-read').waitFor();
    await page.locator('.conv-header .label-chip', { hasText: 'vip' }).waitFor();
    const path = await browser.screenshot(page, 'inbox-overview');
    if (process.env.DOCS_SCREENSHOT) copyFileSync(path, 'docs/inbox.png');
  });
});
