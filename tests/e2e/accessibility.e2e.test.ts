import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAdapter } from '../../channels/test/test.adapter.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import type { TestServer } from '../helpers/test-server.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface Violation { id: string; impact: string; help: string; nodes: { target: string[]; failureSummary: string }[] }

/** Runs axe-core in the page and answers the serious and critical violations, readable in a failure message. */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: Violation[] }> } }).axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id} (${v.help}): ${n.target.join(' ')} | ${n.failureSummary.replace(/\s+/g, ' ')}`));
}

/**
 * The operator app's main screens checked with axe-core in a real Chromium (labels, contrast, roles, names), and
 * driven by keyboard alone.
 */
describe('accessibility of the operator app', () => {
  let server: TestServer;
  let browser: TestBrowser;
  let channel: TestAdapter;

  beforeAll(async () => {
    server = await appServer({ workers: false });
    const inbox = await server.inbox('test', { name: 'Support' });
    channel = await server.testChannel(inbox.id);
    await channel.receive({ externalMessageId: 'a11y-1', externalThreadId: 'ada', sender: { externalUserId: 'ada', name: 'Ada Lovelace' }, text: 'Where is my order?' });
    await channel.receive({ externalMessageId: 'a11y-2', externalThreadId: 'bob', sender: { externalUserId: 'bob', name: 'Bob Byron' }, text: 'Do you ship abroad?' });
    const admin = await server.login();
    await server.app.inject({ method: 'POST', url: '/api/v1/labels', headers: admin.headers, payload: { name: 'billing', color: '#2563eb', description: 'Money questions' } });
    await server.app.inject({ method: 'POST', url: '/api/v1/canned-responses', headers: admin.headers, payload: { shortCode: 'thanks', content: 'Thank you!' } });
    await server.app.inject({ method: 'POST', url: '/api/v1/teams', headers: admin.headers, payload: { name: 'Sales' } });
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('has no serious or critical axe violations on the login, inbox, contacts and every settings screen', { timeout: 120_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1440, height: 900 } });
    const found: Record<string, string[]> = {};

    await page.goto(server.url);
    await page.getByLabel('Email').waitFor();
    found.login = await seriousViolations(page);

    await logIn(page, server.url);
    await page.locator('.row', { hasText: 'Ada Lovelace' }).click();
    await page.locator('.msg', { hasText: 'Where is my order?' }).waitFor();
    await page.getByRole('complementary', { name: 'Client card' }).getByLabel('Name').waitFor();
    found.inbox = await seriousViolations(page);
    await browser.screenshot(page, 'a11y-inbox');
    await page.getByRole('radio', { name: 'Private note' }).click();
    await page.locator('.conv-header').getByRole('combobox', { name: 'Status' }).selectOption('snoozed');
    found['inbox with a note and the snooze form'] = await seriousViolations(page);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.conv-header h2').click();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    found['inbox shortcuts'] = await seriousViolations(page);
    await page.keyboard.press('Escape');

    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByText('Bob Byron').first().waitFor();
    found.contacts = await seriousViolations(page);
    await page.getByRole('link', { name: 'Bob Byron' }).click();
    await page.getByRole('complementary', { name: 'Client card' }).getByLabel('Name').waitFor();
    found['contacts with a card open'] = await seriousViolations(page);
    await browser.screenshot(page, 'a11y-contacts');
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await page.getByRole('dialog').waitFor();
    found['contacts import dialog'] = await seriousViolations(page);

    for (const tab of ['Inboxes', 'Operators', 'Teams', 'Canned responses', 'Labels']) {
      await page.goto(`${server.url}/#/settings`);
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: tab }).click();
      await page.waitForLoadState('networkidle');
      found[`settings ${tab}`] = await seriousViolations(page);
    }
    await browser.screenshot(page, 'a11y-settings-labels');
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Inboxes' }).click();
    await page.getByRole('button', { name: 'New inbox' }).click();
    await page.getByRole('form', { name: 'New inbox' }).waitFor();
    found['settings new inbox form'] = await seriousViolations(page);

    // The marketers' screens, as an admin sees them.
    for (const path of ['campaigns', 'campaigns/new', 'templates', 'templates/new', 'segments', 'segments/new', 'suppressions']) {
      await page.goto(`${server.url}/#/marketing/${path}`);
      await page.locator('.marketing, main').first().waitFor();
      await page.waitForLoadState('networkidle');
      found[`marketing ${path}`] = await seriousViolations(page);
      if (path === 'templates/new') await browser.screenshot(page, 'a11y-marketing-template');
    }

    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  });

  it('lets an operator answer with the keyboard alone, showing where the focus is', { timeout: 60_000 }, async () => {
    const page = await browser.page({ viewport: { width: 1440, height: 900 } });
    await logIn(page, server.url);
    await page.locator('.row', { hasText: 'Bob Byron' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.msg', { hasText: 'Do you ship abroad?' }).waitFor();

    // Tab from the conversation's header onwards reaches the reply box, then (after the attachment button) Send.
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { id: el.id, text: el.textContent?.trim() ?? '', tag: el.tagName, outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0, ring: style.boxShadow !== 'none' };
    });
    // From the top of the page: the skip link, the rail, the list, the conversation's actions, then the reply box.
    await page.reload();
    await page.locator('.msg', { hasText: 'Do you ship abroad?' }).waitFor();
    const seen: Awaited<ReturnType<typeof focused>>[] = [];
    for (let i = 0; i < 60 && !seen.some((f) => f.id === 'reply-text'); i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
    }
    const box = seen.find((f) => f.id === 'reply-text');
    expect(box, JSON.stringify(seen)).toBeTruthy();
    expect(seen[0]!.text, 'the first stop skips to the conversation').toBe('Skip to the conversation');
    // Every stop on the way showed where the focus was.
    expect(seen.filter((f) => !f.outline && !f.ring), 'controls focused without a visible outline').toEqual([]);

    await page.keyboard.type('Yes, to most countries.');
    let send: Awaited<ReturnType<typeof focused>> | undefined;
    for (let i = 0; i < 5 && !send; i++) {
      await page.keyboard.press('Tab');
      const now = await focused();
      expect(now.outline || now.ring, `no visible focus on ${now.tag} ${now.text}`).toBe(true);
      if (now.text === 'Send') send = now;
    }
    expect(send).toBeTruthy();
    await browser.screenshot(page, 'a11y-focus-send');
    await page.keyboard.press('Enter');
    await page.locator('.msg', { hasText: 'Yes, to most countries.' }).waitFor();
  });
});
