import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/channel-error.ts';
import { signWebhook } from '../../channels/whatsapp-cloud/whatsapp-cloud.adapter.ts';
import { Message } from '../../src/store/entities/index.ts';
import { cloudWebhook, fakeGraphApi } from '../helpers/fake-graph-api.ts';
import { fakeTwilio } from '../helpers/fake-twilio.ts';
import type { TestAdapter } from '../../channels/test/test.adapter.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import { eventually, type TestServer } from '../helpers/test-server.ts';
import { openWidget, widgetInbox } from '../helpers/widget-visitor.ts';

/** The reply box beyond plain replies, in a real Chromium against a real server and the in-memory test channel. */
describe('replying from the operator app', () => {
  let server: TestServer;
  let browser: TestBrowser;
  let channel: TestAdapter;
  let sales: TestAdapter;
  let salesId: number;
  let sequence = 0;

  const customerWrites = (text: string, externalUserId: string, name: string) =>
    channel.receive({ externalMessageId: `in-${++sequence}`, externalThreadId: externalUserId, sender: { externalUserId, name }, text });

  beforeAll(async () => {
    server = await appServer();
    const inbox = await server.inbox('test', { name: 'Support' });
    channel = await server.testChannel(inbox.id);
    salesId = (await server.inbox('test', { name: 'Sales' })).id;
    sales = await server.testChannel(salesId);
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows why a reply failed and sends it again with Retry, the tick moving from failed to sent', { timeout: 60_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1280, height: 800 } });
    await logIn(page, server.url);
    await customerWrites('Can you call me back?', 'retry-1', 'Rita Retry');
    await page.locator('.row', { hasText: 'Rita Retry' }).click();

    channel.failNext(new ChannelError('INVALID_RECIPIENT', 'The chat was closed by the customer'));
    const box = page.getByLabel('Reply', { exact: true });
    await box.fill('Of course, what number?');
    await box.press('Enter');
    const reply = page.locator('.msg-out', { hasText: 'what number?' });
    await reply.locator('.tick-failed').waitFor();
    expect(await reply.getByRole('note').textContent()).toContain('The chat was closed by the customer');
    await browser.screenshot(page, 'reply-failed');

    await reply.getByRole('button', { name: 'Retry' }).click();
    await reply.locator('.tick-sent').waitFor();
    expect(await reply.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await reply.getByRole('note').count()).toBe(0);
    const sent = await eventually(async () => channel.sent.filter((s) => s.message.text === 'Of course, what number?'));
    expect(sent).toHaveLength(1);
    await browser.screenshot(page, 'reply-retried');
  });

  it('offers the card\'s other channels in the reply box and sends on the one chosen, opening that conversation', { timeout: 60_000 }, async () => {
    const admin = await server.login();
    const { contactId } = (await customerWrites('Do you sell gift cards?', 'pick-1', 'Pia Picker')) as { contactId: number };
    const added = await server.app.inject({ method: 'POST', url: `/api/v1/contacts/${contactId}/identities`, headers: admin.headers, payload: { kind: 'test', value: `${salesId}:pia-sales` } });
    expect(added.statusCode).toBe(201);

    const page = await browser.page({ viewport: { width: 1280, height: 800 } });
    await logIn(page, server.url);
    await page.locator('.row', { hasText: 'Pia Picker' }).click();
    const picker = page.getByLabel('Reply on');
    // The default is where the customer wrote from.
    await expect.poll(async () => (await picker.locator('option:checked').textContent()) ?? '').toBe('Support (test)');
    expect(await picker.locator('option').allTextContents()).toEqual(['Support (test)', `Sales (test) · new conversation with ${salesId}:pia-sales`]);
    await browser.screenshot(page, 'reply-channel-picker');

    await picker.selectOption({ label: `Sales (test) · new conversation with ${salesId}:pia-sales` });
    const box = page.getByLabel('Reply', { exact: true });
    await box.fill('Yes! Our sales team will send you the options.');
    await box.press('Enter');
    const sent = await eventually(async () => sales.sent.find((s) => s.message.text?.startsWith('Yes! Our sales team')));
    expect(sent.to.externalUserId).toBe('pia-sales');
    expect(channel.sent.some((s) => s.message.text?.startsWith('Yes! Our sales team'))).toBe(false);
    // The app shows the new conversation on Sales, with the reply in it.
    await page.locator('.conv-title', { hasText: 'Sales' }).waitFor();
    await page.locator('.msg-out', { hasText: 'Our sales team' }).locator('.tick-sent').waitFor();
    await page.getByRole('complementary', { name: 'Client card' }).getByRole('link', { name: /Sales/ }).waitFor();
    await expect.poll(async () => (await page.getByLabel('Reply on').locator('option:checked').textContent()) ?? '').toBe('Sales (test)');
    await browser.screenshot(page, 'reply-other-channel');
  });

  it('shows "<name> is typing…" while a web-chat visitor types, gone when the message arrives or after a few seconds', { timeout: 60_000 }, async () => {
    const inbox = await widgetInbox(server);
    const visitor = await openWidget(server.url, { inboxId: inbox.id });
    try {
      await visitor.socket.timeout(5000).emitWithAck('profile', { name: 'Wanda Widget' });
      await visitor.say('Hi, quick question');
      const page = await browser.page({ viewport: { width: 1280, height: 800 } });
      await logIn(page, server.url);
      await page.locator('.row', { hasText: 'Wanda Widget' }).click();
      await page.locator('.msg-in', { hasText: 'quick question' }).waitFor();

      const typing = page.getByRole('status').filter({ hasText: 'is typing' });
      visitor.socket.emit('typing', { typing: true });
      await expect.poll(() => typing.textContent()).toBe('Wanda Widget is typing…');
      await browser.screenshot(page, 'reply-customer-typing');
      await visitor.say('Do you ship to Norway?');
      await page.locator('.msg-in', { hasText: 'ship to Norway' }).waitFor();
      expect(await typing.count()).toBe(0);

      // A visitor who stops without saying so (a closed tab): the line fades by itself.
      await new Promise((r) => setTimeout(r, 2100)); // the widget's once-per-2-seconds limit
      visitor.socket.emit('typing', { typing: true });
      await typing.waitFor();
      const shown = Date.now();
      await typing.waitFor({ state: 'detached', timeout: 10_000 });
      expect(Date.now() - shown).toBeGreaterThan(4000);
    } finally {
      visitor.socket.disconnect();
    }
  });

  it('says plainly when WhatsApp\'s 24-hour window has closed and sends the approved template the operator picks', { timeout: 60_000 }, async () => {
    const graph = await fakeGraphApi();
    try {
      const admin = await server.login();
      const created = await server.app.inject({
        method: 'POST', url: '/api/v1/inboxes', headers: admin.headers,
        payload: { kind: 'whatsapp-cloud', name: 'WhatsApp', settings: { phoneNumberId: graph.phoneNumberId, businessAccountId: graph.businessAccountId, graphApiUrl: graph.url }, credentials: { accessToken: graph.token, appSecret: 'app-secret', verifyToken: 'verify' } },
      });
      expect(created.statusCode, created.body).toBe(201);
      graph.templates.push(
        { name: 'order_update', language: 'en_US', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hello {{1}}, your order {{2}} has news.' }] },
        { name: 'welcome_back', language: 'en_US', status: 'APPROVED', category: 'MARKETING', components: [{ type: 'BODY', text: 'We miss you!' }] },
      );
      const raw = JSON.stringify(cloudWebhook(graph.phoneNumberId, { contacts: [{ profile: { name: 'Olga Old' }, wa_id: '4915112345678' }], messages: [{ from: '4915112345678', id: 'wamid.old-1', timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'Where is order 1042?' } }] }));
      const hook = await server.app.inject({ method: 'POST', url: `/api/v1/channels/${created.json().id}/webhook`, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook('app-secret', raw) }, payload: raw });
      expect(hook.statusCode).toBe(200);
      // The customer wrote 25 hours ago.
      await eventually(async () => (await server.runtime.orm.em.fork().nativeUpdate(Message, { externalId: 'wamid.old-1' }, { createdAt: new Date(Date.now() - 25 * 3_600_000) })) > 0);

      const page = await browser.page({ viewport: { width: 1280, height: 900 } });
      await logIn(page, server.url);
      await page.locator('.row', { hasText: 'Olga Old' }).click();
      const box = page.getByLabel('Reply', { exact: true });
      await box.fill('Sorry for the wait!');
      await box.press('Enter');
      const picker = page.getByRole('region', { name: 'WhatsApp templates' });
      await picker.getByText('last wrote more than 24 hours ago').waitFor();
      const choose = picker.getByLabel('Template');
      await expect.poll(() => choose.locator('option').allTextContents()).toEqual(['order_update (en_US)', 'welcome_back (en_US)']);
      await picker.getByLabel('Value 1').fill('Olga');
      await picker.getByLabel('Value 2').fill('#1042');
      expect(await picker.locator('.template-preview').textContent()).toBe('Hello Olga, your order #1042 has news.');
      await browser.screenshot(page, 'reply-whatsapp-templates');
      await picker.getByRole('button', { name: 'Send template' }).click();

      await eventually(async () => graph.sent.find((s) => s.template?.name === 'order_update'));
      expect(graph.sent.at(-1)).toMatchObject({ to: '4915112345678', type: 'template', template: { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Olga' }, { type: 'text', text: '#1042' }] }] } });
      await page.locator('.msg-out', { hasText: 'order_update' }).locator('.tick-sent').waitFor();
      expect(await picker.count()).toBe(0);
      // What was typed stays, for when the customer writes again.
      expect(await box.inputValue()).toBe('Sorry for the wait!');
      expect(graph.sent.some((s) => s.text?.body === 'Sorry for the wait!')).toBe(false);
    } finally {
      await graph.close();
    }
  });

  it('counts the SMS a reply on an SMS channel will cost, as the SMS adapter splits it', { timeout: 60_000 }, async () => {
    const twilio = await fakeTwilio();
    try {
      const admin = await server.login();
      const sms = await server.app.inject({ method: 'POST', url: '/api/v1/inboxes', headers: admin.headers, payload: { kind: 'sms', name: 'Text messages', settings: { provider: 'http', baseUrl: twilio.url, from: '+15005550006' }, credentials: { accountSid: twilio.accountSid, authToken: twilio.authToken } } });
      expect(sms.statusCode, sms.body).toBe(201);
      const { contactId } = (await customerWrites('Please text me', 'sam-1', 'Sam Segments')) as { contactId: number };
      await server.app.inject({ method: 'POST', url: `/api/v1/contacts/${contactId}/identities`, headers: admin.headers, payload: { kind: 'phone', value: '+14155550123' } });

      const page = await browser.page({ viewport: { width: 1280, height: 800 } });
      await logIn(page, server.url);
      await page.locator('.row', { hasText: 'Sam Segments' }).click();
      const box = page.getByLabel('Reply', { exact: true });
      await box.fill('a'.repeat(200));
      // Not an SMS conversation: no count.
      await new Promise((r) => setTimeout(r, 500));
      expect(await page.locator('.sms-counter').count()).toBe(0);

      await page.getByLabel('Reply on').selectOption({ label: 'Text messages (sms) · new conversation with +14155550123' });
      const counter = page.locator('.sms-counter');
      await expect.poll(() => counter.textContent()).toBe('2 SMS · GSM-7');
      await box.fill('Thanks, we’ll text you');
      await expect.poll(() => counter.textContent()).toBe('1 SMS · UCS-2 (because of ’)');
      await browser.screenshot(page, 'reply-sms-segments');
      await box.press('Enter');
      await eventually(async () => twilio.sent.find((s) => s.Body === 'Thanks, we’ll text you'));
      expect(twilio.sent.at(-1)).toMatchObject({ To: '+14155550123', From: '+15005550006' });
      // Now in the SMS conversation, the count is there as the operator types.
      await page.locator('.conv-title', { hasText: 'Text messages' }).waitFor();
      await box.fill('x'.repeat(161));
      await expect.poll(() => page.locator('.sms-counter').textContent()).toBe('2 SMS · GSM-7');
    } finally {
      await twilio.close();
    }
  });

  it('shows an email\'s subject, sender and CC in the conversation view', { timeout: 60_000 }, async () => {
    await channel.receive({
      externalMessageId: '<invoice-1@example.com>', externalThreadId: 'eve@example.com', sender: { externalUserId: 'eve@example.com', email: 'eve@example.com', name: 'Eve Email' }, text: 'Please resend invoice 77.',
      meta: { subject: 'Invoice 77', email: { from: { name: 'Eve Email', address: 'eve@example.com' }, to: [{ name: null, address: 'support@shop.test' }], cc: [{ name: 'Bob Boss', address: 'bob@example.com' }, { name: null, address: 'accounts@example.com' }] } },
    });
    const page = await browser.page({ viewport: { width: 1280, height: 800 } });
    await logIn(page, server.url);
    await page.locator('.row', { hasText: 'Eve Email' }).click();
    await expect.poll(() => page.locator('.conv-header .conv-subject').textContent()).toBe('Subject: Invoice 77');
    const message = page.locator('.msg-in', { hasText: 'resend invoice 77' });
    const head = message.locator('.msg-email-head');
    expect(await head.locator('div').allInnerTexts()).toEqual(['From\nEve Email <eve@example.com>', 'To\nsupport@shop.test', 'CC\nBob Boss <bob@example.com>, accounts@example.com']);
    await browser.screenshot(page, 'reply-email-headers');
  });
});
