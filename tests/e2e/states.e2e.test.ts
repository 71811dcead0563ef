import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import type { TestServer } from '../helpers/test-server.ts';

/**
 * What each screen shows while it loads, when there is nothing, and when the API fails: in words, with a way to try
 * again. The failures are made at the network boundary (the browser's requests to one API path), the rest is real.
 */
describe('loading, empty and error states', () => {
  let server: TestServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    server = await appServer({ workers: false });
    const inbox = await server.inbox('test', { name: 'Support' });
    await (await server.testChannel(inbox.id)).receive({ externalMessageId: 'st-1', externalThreadId: 'ada', sender: { externalUserId: 'ada', name: 'Ada Lovelace' }, text: 'Hello?' });
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Makes requests to an API path fail (network down, or a gateway's HTML page) until the returned function is called. */
  async function breakApi(page: Page, path: RegExp, how: 'down' | 'gateway'): Promise<() => Promise<void>> {
    const handler = (route: Parameters<Parameters<Page['route']>[1]>[0]) =>
      how === 'down' ? route.abort('connectionrefused') : route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body>502 Bad Gateway</body></html>' });
    const matches = (url: URL) => path.test(url.pathname);
    await page.route(matches, handler);
    return () => page.unroute(matches, handler);
  }

  it('says a conversation or a card that does not exist is gone, with a way back', { timeout: 60_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1280, height: 800 } });
    await logIn(page, server.url);
    await page.goto(`${server.url}/#/inbox/999999`);
    const alert = page.locator('.conversation').getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('That no longer exists, or you cannot see it.');
    await browser.screenshot(page, 'states-conversation-missing');
    await alert.getByRole('link', { name: 'Back to the conversations' }).click();
    await expect.poll(() => page.locator('.conversation').textContent()).toContain('Pick a conversation on the left.');

    // The same for a client card.
    await page.goto(`${server.url}/#/contacts/999999`);
    await expect.poll(() => page.getByRole('complementary', { name: 'Client card' }).getByRole('alert').textContent()).toContain('That no longer exists, or you cannot see it.');
  });

  it('shows an open conversation\'s messages failing to load in words, and loads them with Try again', { timeout: 60_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1280, height: 800 } });
    await logIn(page, server.url);
    const repair = await breakApi(page, /\/api\/v1\/conversations\/\d+\/messages$/, 'down');
    await page.locator('.row', { hasText: 'Ada Lovelace' }).click();
    const alert = page.locator('.messages').getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('The server cannot be reached');
    expect(await page.locator('.messages').textContent()).not.toContain('No messages yet.');
    await browser.screenshot(page, 'states-messages-offline');
    await repair();
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.locator('.msg', { hasText: 'Hello?' }).waitFor();
    await expect.poll(() => alert.count()).toBe(0);
  });

  it('shows the conversation list failing in words and recovering with Try again', { timeout: 60_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1280, height: 800 } });
    await logIn(page, server.url);
    await page.locator('.row', { hasText: 'Ada Lovelace' }).waitFor();
    const repair = await breakApi(page, /\/api\/v1\/conversations$/, 'down');
    await page.getByRole('tab', { name: 'Mine' }).click();
    const alert = page.locator('.list').getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('The server cannot be reached');
    await browser.screenshot(page, 'states-list-offline');
    await repair();
    await page.getByRole('tab', { name: 'All' }).click();
    await page.locator('.row', { hasText: 'Ada Lovelace' }).waitFor();
    await expect.poll(() => alert.count()).toBe(0);
  });

  it('shows the contacts screen empty, and failing (a gateway\'s error page) in words without the raw status', { timeout: 60_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1280, height: 800 } });
    await logIn(page, server.url);
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('nobody by this name');
    await expect.poll(() => page.locator('.contacts-list').textContent()).toContain('No contacts match.');

    const repair = await breakApi(page, /\/api\/v1\/contacts$/, 'gateway');
    await page.getByRole('searchbox', { name: 'Search' }).fill('Ada');
    const alert = page.locator('.contacts-list').getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('The server is not answering right now.');
    expect(await alert.textContent()).not.toContain('502');
    await browser.screenshot(page, 'states-contacts-gateway');
    await repair();
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    expect(await alert.count()).toBe(0);
  });

  it('shows each settings tab loading, then its list or that it is empty, and an error with Try again', { timeout: 90_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1280, height: 800 } });
    await logIn(page, server.url);
    const body = page.locator('.settings-body');
    for (const [tab, path] of [['Inboxes', 'inboxes'], ['Operators', 'operators'], ['Teams', 'teams'], ['Canned responses', 'canned-responses'], ['Labels', 'labels']] as const) {
      // Held back for a moment: the tab says it is loading, not that there is nothing.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const pattern = new RegExp(`/api/v1/${path}$`);
      const hold = async (route: Parameters<Parameters<Page['route']>[1]>[0]) => {
        await held;
        await route.continue();
      };
      const matches = (url: URL) => pattern.test(url.pathname);
      await page.route(matches, hold);
      // A fresh load of the app (not just a change of the # route), so nothing is in memory yet.
      await page.goto('about:blank');
      await page.goto(`${server.url}/#/settings/${path === 'canned-responses' ? 'canned' : path}`);
      await expect.poll(() => body.getByRole('status').filter({ hasText: 'Loading…' }).count(), { message: tab }).toBe(1);
      expect(await body.textContent()).not.toContain('Nothing here yet.');
      release();
      await expect.poll(() => body.getByRole('status').filter({ hasText: 'Loading…' }).count(), { message: tab }).toBe(0);
      await page.unroute(matches, hold);
      // Teams, canned responses and labels start empty here; inboxes and operators do not.
      const empty = ['Teams', 'Canned responses', 'Labels'].includes(tab);
      expect(await body.getByText('Nothing here yet.').count(), tab).toBe(empty ? 1 : 0);

      const repair = await breakApi(page, pattern, 'down');
      await page.reload();
      const alert = body.getByRole('alert');
      await expect.poll(() => alert.textContent(), { message: tab }).toContain('The server cannot be reached');
      if (tab === 'Labels') await browser.screenshot(page, 'states-settings-offline');
      await repair();
      await alert.getByRole('button', { name: 'Try again' }).click();
      await expect.poll(() => alert.count(), { message: tab }).toBe(0);
    }
  });
});
