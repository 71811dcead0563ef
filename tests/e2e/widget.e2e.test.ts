import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifierHash } from '../../channels/webchat/identity-hash.ts';
import { WIDGET_BUNDLE } from '../../src/http/routes/widget.routes.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { freePort } from '../helpers/free-port.ts';
import { nextEvent, TestServer, type Session } from '../helpers/test-server.ts';
import { widgetInbox } from '../helpers/widget-visitor.ts';

/** A shop's page on another origin that embeds the widget, with CSS that would wreck an unshielded widget. */
function hostPage(crmUrl: string, inboxId: number, user?: object): string {
  return `<!doctype html><html><head><title>Shop</title><meta name="viewport" content="width=device-width, initial-scale=1"><style>
    * { font-family: "Comic Sans MS", cursive !important; color: #b91c1c !important; }
    div, button, textarea { border: 4px dashed lime !important; background: yellow !important; }
    body { margin: 0; padding: 24px; background: #f1f5f9; }
  </style></head><body><h1>Acme Shop</h1><p>Great products. Questions? Use the chat in the corner.</p>
  ${user ? `<script>window.crmWidgetSettings = { user: ${JSON.stringify(user)} };</script>` : ''}
  <script src="${crmUrl}/widget.js" data-inbox-id="${inboxId}" async></script></body></html>`;
}

describe('web-chat widget in a real browser', () => {
  let server: TestServer;
  let admin: Session;
  let browser: TestBrowser;
  let site: Server;
  let siteUrl: string;
  let inboxId: number;

  beforeAll(async () => {
    if (!existsSync(WIDGET_BUNDLE)) execFileSync(process.execPath, ['scripts/build-widget.ts'], { stdio: 'inherit' });
    const port = await freePort();
    // PUBLIC_URL is where the widget's file links point, so it must be the address the browser reaches.
    server = await TestServer.start({ config: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
    await server.app.listen({ host: '127.0.0.1', port });
    server.url = `http://127.0.0.1:${port}`;
    admin = await server.login();
    inboxId = (await widgetInbox(server, { title: 'Acme support', greeting: 'Hi! How can we help?', color: '#0f766e' })).id;
    // `/?inbox=N&user=<json>`: another widget inbox, or a logged-in user the site vouches for.
    site = createServer((request, response) => {
      const query = new URL(request.url ?? '/', 'http://site').searchParams;
      const user = query.get('user');
      response.writeHead(200, { 'content-type': 'text/html' }).end(hostPage(server.url, Number(query.get('inbox') ?? inboxId), user ? JSON.parse(user) : undefined));
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    site?.close();
    await server?.close();
  });

  const reply = (conversationId: number, text: string) =>
    server.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: admin.headers, payload: { text } });
  const bubble = (page: Page) => page.locator('#crm-chat-widget button.bubble');

  it('a visitor chats with an operator, sees the reply, a badge while closed, and the history after a reload', async () => {
    const operator = await server.socket(admin);
    const page = await browser.page({ viewport: { width: 1000, height: 720 } });
    await page.goto(siteUrl);
    await bubble(page).waitFor({ state: 'visible', timeout: 10_000 });
    await browser.screenshot(page, 'widget-closed');

    await bubble(page).click();
    await expect.poll(() => page.locator('#crm-chat-widget .status').textContent()).toMatch(/online/);
    const seen = nextEvent(operator, 'message.created', (e) => e.inboxId === inboxId && e.message.direction === 'in', 10_000);
    await page.locator('#crm-chat-widget textarea').fill('Hi, do you ship to Norway? <script>alert(1)</script>');
    await page.keyboard.press('Enter');
    const inbound = (await seen).message;
    expect(inbound.text).toBe('Hi, do you ship to Norway? <script>alert(1)</script>');

    // The operator types, then answers: both show in the widget at once.
    operator.emit('typing', { conversationId: inbound.conversationId, typing: true });
    await page.locator('#crm-chat-widget .typing').waitFor({ state: 'visible', timeout: 5000 });
    const answer = await reply(inbound.conversationId, 'Yes! Shipping to Norway takes 3-5 days.');
    expect(answer.statusCode).toBe(201);
    // Shown in the open window, so the operator sees it as read.
    const read = nextEvent(operator, 'message.updated', (e) => e.message.id === answer.json().id && e.message.status === 'read', 10_000);
    await page.locator('#crm-chat-widget .msg.out', { hasText: 'Shipping to Norway' }).waitFor({ timeout: 10_000 });
    await read;
    expect(await page.locator('#crm-chat-widget .typing').isHidden()).toBe(true);

    // The visitor sends a picture.
    const pictureSeen = nextEvent(operator, 'message.created', (e) => e.inboxId === inboxId && e.message.attachments.length === 1, 10_000);
    // A real picture: a corner of the shop's page.
    const picture = await page.screenshot({ clip: { x: 0, y: 0, width: 240, height: 140 } });
    await page.locator('#crm-chat-widget input[type=file]').setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: picture });
    expect((await pictureSeen).message.attachments[0]).toMatchObject({ name: 'parcel.png', contentType: 'image/png' });
    await page.locator('#crm-chat-widget .msg.in img').waitFor({ timeout: 10_000 });
    expect(await page.locator('#crm-chat-widget .msg.in img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(240);
    await browser.screenshot(page, 'widget-open-conversation');

    // Closed window: a new reply shows as a badge on the bubble.
    await page.locator('#crm-chat-widget button.close').click();
    await reply(inbound.conversationId, 'Anything else?');
    await expect.poll(() => page.locator('#crm-chat-widget .badge').textContent(), { timeout: 10_000 }).toBe('1');
    await browser.screenshot(page, 'widget-unread-badge');

    // A reload keeps the visitor (token in localStorage) and the whole history, each message once.
    await page.reload();
    await bubble(page).click();
    const texts = page.locator('#crm-chat-widget .msg');
    await expect.poll(() => texts.count(), { timeout: 10_000 }).toBe(4);
    expect(await texts.allTextContents()).toEqual(['Hi, do you ship to Norway? <script>alert(1)</script>', 'Yes! Shipping to Norway takes 3-5 days.', '', 'Anything else?']);
    expect(await texts.nth(2).locator('img').getAttribute('alt')).toBe('parcel.png');
    await browser.screenshot(page, 'widget-after-reload');

    // The site's CSS did not reach inside the widget.
    const font = await page.locator('#crm-chat-widget .msg.out').first().evaluate((el) => getComputedStyle(el).fontFamily);
    expect(font).not.toContain('Comic Sans');
    const conversations = (await server.app.inject({ method: 'GET', url: `/api/v1/conversations?inboxId=${inboxId}`, headers: admin.headers })).json();
    expect(conversations.items.filter((c: { inboxId: number }) => c.inboxId === inboxId)).toHaveLength(1);
  });

  it('asks for a name and email first when the inbox has a pre-chat form, and puts them on the client card', async () => {
    const prechat = await widgetInbox(server, { title: 'Acme sales', preChatForm: true });
    const page = await browser.page({ viewport: { width: 1000, height: 720 } });
    await page.goto(`${siteUrl}?inbox=${prechat.id}`);
    await bubble(page).click();
    await page.locator('#crm-chat-widget form.prechat input[name=name]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#crm-chat-widget textarea').isVisible()).toBe(false);
    await browser.screenshot(page, 'widget-prechat');
    await page.locator('#crm-chat-widget input[name=name]').fill('Grace Hopper');
    await page.locator('#crm-chat-widget input[name=email]').fill('grace@example.com');
    await page.locator('#crm-chat-widget form.prechat button').click();
    await page.locator('#crm-chat-widget textarea').fill('I would like a quote');
    await page.keyboard.press('Enter');
    await page.locator('#crm-chat-widget .msg.in[data-id]', { hasText: 'quote' }).waitFor({ timeout: 10_000 });
    const { items } = (await server.app.inject({ method: 'GET', url: `/api/v1/conversations?inboxId=${prechat.id}`, headers: admin.headers })).json();
    const card = (await server.app.inject({ method: 'GET', url: `/api/v1/contacts/${items[0].contactId}`, headers: admin.headers })).json();
    expect(card.name).toBe('Grace Hopper');
    expect(JSON.stringify(card.identities)).toContain('grace@example.com');
  });

  it('a user the site vouches for sees the same conversation in another browser', async () => {
    const secret = (await server.app.inject({ method: 'POST', url: `/api/v1/inboxes/${inboxId}/rotate-secret`, headers: admin.headers })).json().secret;
    const user = { identifier: 'customer-77', name: 'Ada', email: 'ada@example.com', identifierHash: identifierHash(secret, 'customer-77') };
    const url = `${siteUrl}?user=${encodeURIComponent(JSON.stringify(user))}`;
    const laptop = await browser.page();
    await laptop.goto(url);
    await bubble(laptop).click();
    await laptop.locator('#crm-chat-widget textarea').fill('Written on my laptop');
    await laptop.keyboard.press('Enter');
    await laptop.locator('#crm-chat-widget .msg.in[data-id]', { hasText: 'laptop' }).waitFor({ timeout: 10_000 });
    const phone = await browser.page({ viewport: { width: 390, height: 760 }, isMobile: true });
    await phone.goto(url);
    await bubble(phone).click();
    await phone.locator('#crm-chat-widget .msg.in', { hasText: 'Written on my laptop' }).waitFor({ timeout: 10_000 });
    await browser.screenshot(phone, 'widget-verified-on-phone');
  });

  it('asks for an email when no operator is online', async () => {
    for (const socket of await server.app.io.of('/operators').fetchSockets()) socket.disconnect(true);
    const page = await browser.page({ viewport: { width: 1000, height: 720 } });
    await page.goto(siteUrl);
    await bubble(page).click();
    await page.locator('#crm-chat-widget .offline input[type=email]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#crm-chat-widget .status').textContent()).toMatch(/No operator online/);
    await browser.screenshot(page, 'widget-offline');
    await page.locator('#crm-chat-widget .offline input[type=email]').fill('visitor@example.com');
    await page.locator('#crm-chat-widget .offline button').click();
    await page.locator('#crm-chat-widget .offline').waitFor({ state: 'hidden', timeout: 5000 });
  });
});
