import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/channel-error.ts';
import type { TestAdapter } from '../../channels/test/test.adapter.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import { eventually, type TestServer } from '../helpers/test-server.ts';

/** The reply box beyond plain replies, in a real Chromium against a real server and the in-memory test channel. */
describe('replying from the operator app', () => {
  let server: TestServer;
  let browser: TestBrowser;
  let channel: TestAdapter;
  let sequence = 0;

  const customerWrites = (text: string, externalUserId: string, name: string) =>
    channel.receive({ externalMessageId: `in-${++sequence}`, externalThreadId: externalUserId, sender: { externalUserId, name }, text });

  beforeAll(async () => {
    server = await appServer();
    const inbox = await server.inbox('test', { name: 'Support' });
    channel = await server.testChannel(inbox.id);
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
});
