import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inbox } from '../../src/store/entities/index.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { httpPeer } from '../helpers/http-peer.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import type { TestServer } from '../helpers/test-server.ts';

describe('settings in the browser (admins)', () => {
  let server: TestServer;
  let browser: TestBrowser;
  let peer: Awaited<ReturnType<typeof httpPeer>>;

  beforeAll(async () => {
    peer = await httpPeer();
    server = await appServer({ workers: false });
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await peer?.close();
  });

  it('creates an API inbox with the generic settings form, tests its connection, shows its secret once, and shows a QR state pushed live', { timeout: 90_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1440, height: 900 } });
    await logIn(page, server.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'New inbox' }).click();
    const form = page.getByRole('form', { name: 'New inbox' });
    // The kinds come from the server.
    await expect.poll(() => form.getByLabel('Channel').locator('option').allTextContents()).toEqual(expect.arrayContaining(['api', 'email']));
    await form.getByLabel('Channel').selectOption('api');
    await form.getByLabel('Name').fill('Shop integration');
    await form.getByRole('button', { name: 'Add a row' }).first().click();
    await form.getByLabel('Settings: Key 1').fill('callbackUrl');
    await form.getByLabel('Settings: Value 1').fill(peer.url);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await form.getByRole('status').waitFor();
    await form.getByRole('button', { name: 'Create' }).click();
    const secret = form.getByText(/The inbox secret \(shown only now\)/);
    await secret.waitFor();
    const inbox = await server.runtime.orm.em.fork().findOneOrFail(Inbox, { name: 'Shop integration' });
    expect(inbox).toMatchObject({ kind: 'api', settings: { callbackUrl: peer.url } });
    expect(await secret.textContent()).toContain(inbox.secret);
    await form.getByRole('button', { name: 'Close' }).click();

    // A channel reports a state (WhatsApp Web shows a QR code to scan): admins see it without reloading.
    const qr = await QRCode.toDataURL('pairing-code-123');
    await server.services.channelStates.report({ inboxId: inbox.id, status: 'qr', detail: qr, at: new Date() });
    const card = page.locator(`[data-inbox-id="${inbox.id}"]`);
    await card.getByRole('img', { name: 'Scan this code with the phone' }).waitFor();
    expect(await card.getByRole('img', { name: 'Scan this code with the phone' }).getAttribute('src')).toBe(qr);
    await server.services.channelStates.report({ inboxId: inbox.id, status: 'connected', detail: 'ready', at: new Date() });
    await expect.poll(() => card.getByRole('status').textContent()).toContain('connected');
    await browser.screenshot(page, 'settings-inboxes');
  });

  it('adds a canned response, a team and an operator', { timeout: 60_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1280, height: 800 } });
    await logIn(page, server.url);
    await page.goto(`${server.url}/#/settings/canned`);
    const canned = page.getByRole('form', { name: 'New canned response' });
    await canned.getByLabel('Shortcut').fill('hours');
    await canned.getByLabel('Text').fill('We are open 9 to 5, Monday to Friday.');
    await canned.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: '/hours', exact: true }).waitFor();
    await browser.screenshot(page, 'settings-canned');

    await page.getByRole('link', { name: 'Operators' }).click();
    const operator = page.getByRole('form', { name: 'New operator' });
    await operator.getByLabel('Name').fill('Linus');
    await operator.getByLabel('Email').fill('linus@crm.test');
    await operator.getByLabel('Password (at least 10 characters)').fill('a-long-password');
    await operator.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: 'linus@crm.test', exact: true }).waitFor();

    await page.getByRole('link', { name: 'Teams' }).click();
    await page.getByRole('textbox', { name: 'New team' }).fill('Billing');
    await page.getByRole('button', { name: 'Create' }).click();
    const team = page.locator('.card', { hasText: 'Billing' });
    await team.getByLabel('Linus').check();
    await expect.poll(async () => (await server.services.teams.list()).find((t) => t.name === 'Billing')?.memberIds.length).toBe(1);
  });
});
