import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAdapter } from '../../channels/test/test.adapter.ts';
import { Message } from '../../src/store/entities/index.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import type { TestServer } from '../helpers/test-server.ts';

/**
 * A hostile email (scripts, event handlers, tracking pixels, remote styles, frames, a meta refresh) shown
 * to an operator: nothing runs and nothing is fetched from elsewhere, whether or not the server's
 * sanitiser caught it first; remote images load only when the operator asks.
 */
describe('email HTML in the operator app', () => {
  let server: TestServer;
  let browser: TestBrowser;
  let channel: TestAdapter;
  let remote: Server;
  let remoteUrl: string;
  const remoteHits: string[] = [];

  beforeAll(async () => {
    // The "attacker's" server: a real one on loopback, counting every request that reaches it.
    remote = createServer((request, response) => {
      remoteHits.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'image/png' }).end();
    });
    await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
    remoteUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
    server = await appServer({ workers: false });
    const inbox = await server.inbox('test', { name: 'Mail' });
    channel = await server.testChannel(inbox.id);
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    remote?.closeAllConnections();
    await new Promise((resolve) => remote?.close(resolve));
  });

  const fixture = () => readFileSync('tests/fixtures/hostile-email.html', 'utf8').replaceAll('PEER', remoteUrl);

  async function open(rawHtml: boolean, thread: string) {
    const result = (await channel.receive({ externalMessageId: `mail-${thread}`, externalThreadId: thread, sender: { externalUserId: `${thread}@example.com`, name: `Sender ${thread}` }, text: 'Dear support, please see the attached invoice.', html: fixture() })) as { message?: { id: number } } | undefined;
    const em = server.runtime.orm.em.fork();
    const message = await em.findOneOrFail(Message, { externalId: `mail-${thread}` });
    // As if the sanitiser had missed everything: the frame alone must hold.
    if (rawHtml) await em.nativeUpdate(Message, { id: message.id }, { html: fixture() });
    void result;
    const page = await browser.page({ viewport: { width: 1440, height: 900 } });
    // Chromium reports requests the frame's CSP blocked as requests that failed; only finished ones reached a server.
    const requests: string[] = [];
    page.on('requestfinished', (request) => requests.push(request.url()));
    await logIn(page, server.url);
    await page.locator('.row', { hasText: `Sender ${thread}` }).click();
    const frame = page.frameLocator('iframe[title="Email from the customer"]');
    await frame.getByText('please see the attached').waitFor();
    // Give anything that would run or load the time to do it.
    await page.waitForTimeout(1500);
    return { page, requests };
  }

  for (const raw of [false, true]) {
    it(`runs no script and loads nothing remote from a hostile email${raw ? ' even when it reaches the browser unsanitised' : ''}`, { timeout: 60_000 }, async () => {
      remoteHits.length = 0;
      const { page, requests } = await open(raw, raw ? 'raw' : 'sanitised');
      expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
      expect(requests.filter((url) => !url.startsWith(server.url) && !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
      expect(remoteHits).toEqual([]);
      await browser.screenshot(page, raw ? 'email-hostile-raw' : 'email-hostile');

      // The operator may choose to load remote images: then (and only then) the pixel is fetched.
      await page.getByRole('button', { name: 'Show images' }).click();
      await expect.poll(() => remoteHits.includes('/pixel.png'), { timeout: 5000 }).toBe(true);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
      expect(remoteHits.filter((hit) => ['/script', '/onerror', '/frame', '/object', '/refresh', '/form'].includes(hit))).toEqual([]);
    });
  }
});
