import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAdapter } from '../../channels/test/test.adapter.ts';
import { Conversation } from '../../src/store/entities/index.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import { eventually, type TestServer } from '../helpers/test-server.ts';

/**
 * The operator's day, in a real Chromium against a real server: a customer writes on a channel (the
 * in-memory test channel, a real adapter behind the port), the operator answers from the web app.
 */
describe('the operator inbox in a browser', () => {
  let server: TestServer;
  let browser: TestBrowser;
  let channel: TestAdapter;
  let colleagueId: number;
  let sequence = 0;

  const customerWrites = (text: string, externalUserId = 'ada-1', name = 'Ada Lovelace') =>
    channel.receive({ externalMessageId: `in-${++sequence}`, externalThreadId: externalUserId, sender: { externalUserId, name }, text });

  beforeAll(async () => {
    server = await appServer();
    const colleague = await server.operator('operator', 'Grace');
    colleagueId = colleague.operatorId;
    const inbox = await server.inbox('test', { name: 'Support', memberIds: [colleagueId] });
    channel = await server.testChannel(inbox.id);
    const admin = await server.login();
    const canned = await server.app.inject({ method: 'POST', url: '/api/v1/canned-responses', headers: admin.headers, payload: { shortCode: 'thanks', content: 'Thank you for writing! We are on it.' } });
    expect(canned.statusCode).toBe(201);
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a new conversation live, answers it with a canned response, labels, assigns, resolves, and reopens it on a new message', { timeout: 90_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1440, height: 900 } });
    await logIn(page, server.url);
    await expect.poll(() => page.locator('.empty').textContent()).toContain('No conversations here');
    await browser.screenshot(page, 'inbox-empty');

    // Someone else's conversation first, so the new one must move to the top.
    await customerWrites('Is the shop open on Sunday?', 'bob-1', 'Bob Byron');
    await page.locator('.row', { hasText: 'Bob Byron' }).waitFor();
    await customerWrites('Hello, my order #1042 has not arrived yet.');
    const top = page.locator('.rows li').first();
    await expect.poll(() => top.locator('.row-name').textContent()).toBe('Ada Lovelace');
    expect(await top.locator('.badge').textContent()).toBe('1');
    expect(await top.locator('.row-preview').textContent()).toContain('my order #1042');
    await browser.screenshot(page, 'inbox-new-conversation');

    await top.locator('a').click();
    // The client card beside the conversation, and the message in the thread.
    const card = page.getByRole('complementary', { name: 'Client card' });
    await expect.poll(() => card.getByLabel('Name').inputValue()).toBe('Ada Lovelace');
    await page.locator('.msg-in', { hasText: 'my order #1042' }).waitFor();
    // Opening it reads it: the badge goes.
    await expect.poll(() => page.locator('.rows li').first().locator('.badge').count()).toBe(0);

    // "/" and the shortcut offer the canned response; Enter takes it, Enter again sends.
    const box = page.getByLabel('Reply', { exact: true });
    await box.click();
    await box.fill('/than');
    await page.getByRole('option', { name: /thanks/ }).waitFor();
    await box.press('Enter');
    expect(await box.inputValue()).toBe('Thank you for writing! We are on it.');
    await box.press('Enter');
    const sent = await eventually(async () => channel.sent.find((s) => s.message.text === 'Thank you for writing! We are on it.'));
    expect(sent.to.externalThreadId).toBe('ada-1');
    // The reply shows as sent (one tick) once the channel took it.
    await page.locator('.msg-out', { hasText: 'We are on it' }).locator('.tick-sent').waitFor();
    await browser.screenshot(page, 'inbox-replied');

    // Shift+Enter makes a new line instead of sending; a private note is marked as one and never sent.
    await page.getByRole('radio', { name: 'Private note' }).click();
    await box.fill('Customer asked twice');
    await box.press('Shift+Enter');
    await box.type('check with the warehouse');
    expect(await box.inputValue()).toBe('Customer asked twice\ncheck with the warehouse');
    await box.press('Enter');
    await page.locator('.msg-note', { hasText: 'check with the warehouse' }).waitFor();
    expect(channel.sent.some((s) => s.message.text?.includes('warehouse'))).toBe(false);

    // Label, assign to a colleague, resolve.
    await page.getByLabel('Add a label').fill('delivery');
    await page.getByLabel('Add a label').press('Enter');
    await page.locator('.conv-header .pill', { hasText: 'delivery' }).waitFor();
    await page.getByLabel('Assignee').selectOption(String(colleagueId));
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.locator('.conv-header .pill.status-resolved').waitFor();
    // The list shows open conversations: the resolved one leaves it.
    await expect.poll(() => page.locator('.row', { hasText: 'Ada Lovelace' }).count()).toBe(0);
    const stored = (await server.app.inject({ method: 'GET', url: `/api/v1/conversations/${await conversationIdOf('ada-1')}`, headers: (await server.login()).headers })).json();
    expect(stored).toMatchObject({ status: 'resolved', assigneeId: colleagueId, labels: ['delivery'] });
    await browser.screenshot(page, 'inbox-resolved');

    // The customer writes again: the conversation reopens, comes back to the top, and the message shows live.
    await customerWrites('Any news?');
    await page.locator('.msg-in', { hasText: 'Any news?' }).waitFor();
    await page.locator('.conv-header .pill.status-open').waitFor();
    await expect.poll(() => page.locator('.rows li').first().locator('.row-name').textContent()).toBe('Ada Lovelace');
    await browser.screenshot(page, 'inbox');
  });

  it('catches up on what happened while its connection was down', { timeout: 60_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1280, height: 800 } });
    await logIn(page, server.url);
    await page.evaluate(() => (window as unknown as { __crmSocket: () => { io: { engine: { close(): void } } } }).__crmSocket().io.engine.close());
    await page.locator('.live-offline, .live-connecting').first().waitFor().catch(() => {});
    await customerWrites('Written while you were away', 'carol-1', 'Carol Chen');
    await page.locator('.row', { hasText: 'Carol Chen' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.row', { hasText: 'Carol Chen' }).locator('.row-preview').textContent()).toContain('while you were away');
  });

  const conversationIdOf = async (thread: string) => (await server.runtime.orm.em.fork().findOneOrFail(Conversation, { externalThreadId: thread })).id;
});
