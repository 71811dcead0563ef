import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, cardsOn, draftCampaign, makeInbox, settledCampaign, type Caller } from '../helpers/campaigns.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { httpPeer } from '../helpers/http-peer.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import type { TestServer } from '../helpers/test-server.ts';

const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra'];
const PASSWORD = 'a-long-password';

/** Logs in through the form as a marketer, who lands on the marketing screens (they have no inbox). */
async function logInAsMarketer(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Campaigns', level: 2 }).waitFor();
  await page.locator('.live-live').waitFor();
}

describe('the marketers\' screens in the browser', () => {
  let server: TestServer;
  let browser: TestBrowser;
  let peer: Awaited<ReturnType<typeof httpPeer>>;
  let admin: Caller;

  beforeAll(async () => {
    peer = await httpPeer();
    server = await appServer({ config: { CAMPAIGN_PROGRESS_MS: 100 } });
    browser = await launchBrowser();
    admin = caller(server, await server.login());
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await peer?.close();
  });

  const newPerson = async (role: 'marketer' | 'operator', email: string) => {
    const { status } = await admin('POST', '/operators', { email, name: role === 'marketer' ? 'Mia Marketer' : 'Otto Operator', password: PASSWORD, role });
    expect(status).toBe(201);
  };

  it('writes a template with a Liquid variable and previews it, builds a segment with a live count, and runs a campaign through an API inbox to the end', { timeout: 150_000 }, async () => {
    const inbox = await makeInbox(admin, 'api', { name: 'Shop integration', settings: { callbackUrl: peer.url } });
    const cards = await cardsOn(admin, inbox, NAMES.length, (i) => ({ name: NAMES[i], customFields: { plan: i < 2 ? 'gold' : 'basic' } }));
    await cardsOn(admin, inbox, 2); // others on the same inbox, outside the segment
    await newPerson('marketer', 'mia@crm.test');

    const page = await browser.page({ viewport: { width: 1440, height: 900 } });
    await logInAsMarketer(page, server.url, 'mia@crm.test');
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Inbox' }).count()).toBe(0);
    await page.getByText('No campaigns yet.').waitFor();
    await browser.screenshot(page, 'marketing-campaigns-empty');

    // Templates: a Liquid mistake is explained at the field, in words; the preview renders for a chosen card.
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByText('No templates yet.').waitFor();
    await page.getByRole('button', { name: 'New template' }).click();
    const editor = page.getByRole('form', { name: 'Template' });
    await editor.getByLabel('Name').fill('Spring sale');
    const panel = editor.getByRole('tabpanel');
    const sms = panel.getByLabel('Message');
    expect(await editor.getByRole('tab', { name: 'SMS' }).getAttribute('aria-selected')).toBe('true');
    await sms.fill('Hi {{ contact.first_name');
    const problem = panel.getByRole('alert');
    await expect.poll(() => problem.textContent(), { timeout: 10_000 }).toContain('is never closed');
    expect(await sms.getAttribute('aria-invalid')).toBe('true');
    await editor.getByRole('tab', { name: /SMS.*has problems/ }).waitFor();
    await browser.screenshot(page, 'marketing-template-problem');
    await sms.fill('Hi {{ contact.first_name }}, it’s spring 🌷');
    await problem.waitFor({ state: 'detached' });
    await expect.poll(() => editor.locator('#tpl-sms-text-sms').textContent()).toMatch(/^UCS-2: .*These characters need UCS-2 \(70 per SMS instead of 160\): ’ 🌷$/);
    await sms.fill('Hi {{ contact.first_name }}, our spring sale starts today: 20% off everything!');
    await expect.poll(() => editor.locator('#tpl-sms-text-sms').textContent()).toMatch(/^GSM-7: \d+ characters, 1 SMS/);

    const preview = page.getByRole('complementary', { name: 'Preview' });
    await preview.getByLabel('Preview for the card of').fill('Ada');
    await preview.getByRole('button', { name: /Ada Lovelace/ }).click();
    await expect.poll(() => preview.getByTestId('preview-text').textContent()).toBe('Hi Ada, our spring sale starts today: 20% off everything!');
    await browser.screenshot(page, 'marketing-template-editor');
    // The keyboard moves between channel tabs; the preview follows the tab.
    await editor.getByRole('tab', { name: /SMS/ }).focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    expect(await editor.getByRole('tab', { name: 'Other channels (API, web chat…)' }).getAttribute('aria-selected')).toBe('true');
    await panel.getByLabel('Message').fill('Hello {{ contact.first_name }}, the spring sale starts today.');
    await expect.poll(() => preview.getByTestId('preview-text').textContent()).toBe('Hello Ada, the spring sale starts today.');
    // Email: a subject and an HTML body, previewed as the mail would show (in a sandboxed frame).
    await editor.getByRole('tab', { name: 'Email', exact: true }).click();
    await panel.getByLabel('Subject').fill('Spring sale for {{ contact.first_name }}');
    await panel.getByLabel('HTML body').fill('<h1>Hello {{ contact.first_name }}</h1><p>Everything is <b>20% off</b> until Sunday.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>');
    await preview.getByText('Subject: Spring sale for Ada').waitFor();
    await preview.frameLocator('iframe').getByRole('heading', { name: 'Hello Ada' }).waitFor();
    await browser.screenshot(page, 'marketing-template-email');
    await editor.getByRole('tab', { name: 'Telegram', exact: true }).click();
    await preview.getByText('No Telegram message: cards reached on Telegram get the one for other channels.').waitFor();
    await expect.poll(() => preview.getByTestId('preview-text').textContent()).toBe('Hello Ada, the spring sale starts today.');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('link', { name: 'Spring sale' }).waitFor();
    await browser.screenshot(page, 'marketing-templates');

    // Segments: the count follows the conditions as they are typed.
    await page.getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('button', { name: 'New segment' }).click();
    const builder = page.getByRole('form', { name: 'Segment' });
    await builder.getByLabel('Name').fill('Spring batch');
    const count = page.getByRole('complementary', { name: 'Matching cards' }).locator('.mk-count');
    await expect.poll(() => count.textContent()).toBe(`${NAMES.length + 2} cards match`);
    await builder.getByLabel('Has all of these tags').fill(cards.tag);
    await expect.poll(() => count.textContent()).toBe(`${NAMES.length} cards match`);
    await builder.getByRole('button', { name: 'Add a custom field condition' }).click();
    await builder.getByLabel('Custom field 1: name').fill('plan');
    await builder.getByLabel('Custom field 1: value').fill('gold');
    await expect.poll(() => count.textContent()).toBe('2 cards match');
    await builder.getByLabel('Custom field 1: condition').selectOption({ label: 'is not' });
    await expect.poll(() => count.textContent()).toBe('2 cards match');
    await builder.getByRole('button', { name: 'Remove custom field condition 1' }).click();
    await expect.poll(() => count.textContent()).toBe(`${NAMES.length} cards match`);
    await builder.getByLabel('Telegram').selectOption({ label: 'Must have' });
    await expect.poll(() => count.textContent()).toBe('0 cards match');
    await builder.getByLabel('Telegram').selectOption({ label: 'Does not matter' });
    await expect.poll(() => count.textContent()).toBe(`${NAMES.length} cards match`);
    await builder.getByRole('button', { name: 'Save' }).click();
    await builder.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await browser.screenshot(page, 'marketing-segment-builder');

    // The wizard: template, segment, channel, timing, then a confirmation with the server's estimate.
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('button', { name: 'New campaign' }).click();
    const wizard = page.getByRole('form', { name: 'New campaign' });
    await wizard.getByLabel('Campaign name').fill('Spring sale 2026');
    await wizard.getByLabel('Template').selectOption({ label: 'Spring sale' });
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Segment').selectOption({ label: 'Spring batch' });
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByText('Choose at least one channel.').waitFor();
    await wizard.getByLabel(/Shop integration/).check();
    await wizard.getByRole('button', { name: 'Move Shop integration up' }).waitFor();
    await wizard.getByText('Choose at least one channel.').waitFor({ state: 'detached' });
    await browser.screenshot(page, 'marketing-wizard-channels');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('radio', { name: 'At a set time' }).check();
    await wizard.getByLabel('Quiet hours').check();
    await wizard.getByLabel('Time zone').selectOption('Europe/Berlin');
    await browser.screenshot(page, 'marketing-wizard-timing');
    await wizard.getByLabel('Quiet hours').uncheck();
    await wizard.getByRole('radio', { name: 'Start now' }).check();
    await wizard.getByRole('button', { name: 'Next' }).click();
    const confirmation = wizard.getByRole('region', { name: 'Confirm' });
    await confirmation.getByText(`${NAMES.length} of ${NAMES.length} matching cards will receive it.`).waitFor();
    await browser.screenshot(page, 'marketing-wizard-confirm');
    await wizard.getByRole('button', { name: `Start: send to ${NAMES.length}` }).click();

    // The campaign page follows the sends live, over the marketers' socket, to the end.
    await page.getByRole('heading', { name: 'Spring sale 2026' }).waitFor();
    await expect.poll(() => page.locator('.mk-progress-text').textContent(), { timeout: 60_000 }).toBe(`${NAMES.length} of ${NAMES.length} messages processed`);
    await page.locator('.mk-state').filter({ hasText: 'Completed' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-count="sent"] dd').textContent()).toBe(String(NAMES.length));
    expect(await page.locator('[data-count="failed"] dd').textContent()).toBe('0');
    await page.getByRole('heading', { name: 'Final statistics' }).waitFor();
    await page.getByText('Nothing here.').waitFor();
    await browser.screenshot(page, 'marketing-campaign-done');

    // The integration got each card's message exactly once.
    const campaignMessages = peer.received.filter((r) => r.body?.event === 'campaign.message');
    expect(campaignMessages).toHaveLength(NAMES.length);
    expect(new Set(campaignMessages.map((r) => r.deliveryId)).size).toBe(NAMES.length);
    expect(campaignMessages.map((r) => r.body.message.text).sort()).toEqual(NAMES.map((n) => `Hello ${n.split(' ')[0]}, the spring sale starts today.`).sort());

    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: 'Spring sale 2026' }).waitFor();
    await browser.screenshot(page, 'marketing-campaigns');
  });

  it('pauses and resumes a campaign from its page, and lists the card the integration refused with its answer', { timeout: 90_000 }, async () => {
    // One card is refused by the integration; the inbox sends two a second, so there is time to pause.
    const refusing = await httpPeer((request) => (request.body?.recipient?.externalUserId?.endsWith('-1') ? { status: 422, body: { error: 'unknown customer' } } : {}));
    try {
      const inbox = await makeInbox(admin, 'api', { name: 'Slow shop', settings: { callbackUrl: refusing.url, rateLimits: { perAccount: { max: 1, perMs: 500 } } } });
      const cards = await cardsOn(admin, inbox, 6, (i) => ({ name: `Slow ${i}` }));
      await newPerson('marketer', 'max@crm.test');
      const marketer = caller(server, await server.login('max@crm.test', PASSWORD));
      const campaign = await draftCampaign(marketer, { channels: [inbox.id], filter: { tagsAll: [cards.tag] }, extra: { name: 'Slow and steady' } });

      const page = await browser.page({ viewport: { width: 1440, height: 900 } });
      await logInAsMarketer(page, server.url, 'max@crm.test');
      await page.goto(`${server.url}/#/marketing/campaigns/${campaign.id}`);
      await page.getByRole('heading', { name: 'Slow and steady' }).waitFor();
      await page.locator('.mk-state').filter({ hasText: 'Draft' }).waitFor();
      await page.getByText('6 of 6 matching cards will receive it.').waitFor();
      await page.getByRole('button', { name: 'Start now' }).click();
      await page.locator('.mk-state').filter({ hasText: 'Sending' }).waitFor();
      await expect.poll(() => page.locator('[data-count="sent"] dd').textContent()).not.toBe('0');
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.locator('.mk-state').filter({ hasText: 'Paused' }).waitFor();
      await browser.screenshot(page, 'marketing-campaign-paused');
      const atPause = refusing.received.length;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(refusing.received.length).toBeLessThanOrEqual(atPause + 1); // a send already handed over may finish
      // The page's socket goes away while the campaign resumes and finishes: on reconnecting, the page catches up.
      type Socketed = { __crmMarketerSocket: () => { disconnect(): void; connect(): void } };
      await page.evaluate(() => (window as unknown as Socketed).__crmMarketerSocket().disconnect());
      await page.locator('.live-offline').waitFor();
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.locator('.mk-state').filter({ hasText: 'Sending' }).waitFor();
      await settledCampaign(marketer, campaign.id, ['completed'], 30_000);
      expect(await page.locator('.mk-state').textContent()).toBe('Sending');
      await page.evaluate(() => (window as unknown as Socketed).__crmMarketerSocket().connect());
      await page.locator('.mk-state').filter({ hasText: 'Completed' }).waitFor({ timeout: 15_000 });
      await expect.poll(() => page.locator('.mk-progress-text').textContent()).toBe('6 of 6 messages processed');
      expect(await page.locator('[data-count="sent"] dd').textContent()).toBe('5');
      expect(await page.locator('[data-count="failed"] dd').textContent()).toBe('1');
      const outcomes = page.getByRole('region', { name: 'Not sent, and why' });
      await outcomes.getByRole('link', { name: 'Slow 1' }).waitFor();
      expect(await outcomes.locator('tbody tr').textContent()).toContain('unknown customer');
      await browser.screenshot(page, 'marketing-campaign-failures');
      expect(new Set(refusing.received.map((r) => r.body?.recipient?.externalUserId)).size).toBe(6);
    } finally {
      await refusing.close();
    }
  });

  it('lists, searches, adds to and removes from the suppression list', { timeout: 60_000 }, async () => {
    await newPerson('marketer', 'sam@crm.test');
    const page = await browser.page({ viewport: { width: 1440, height: 900 } });
    page.on('dialog', (dialog) => void dialog.accept());
    await logInAsMarketer(page, server.url, 'sam@crm.test');
    await page.getByRole('link', { name: 'Suppression list' }).click();
    await page.getByText('The list is empty.').waitFor();
    const add = page.getByRole('form', { name: 'Add an address' });
    for (const [address, reason] of [['Gone@Example.com', 'Complained'], ['left@example.com', 'Added by hand']] as const) {
      await add.getByLabel('Address', { exact: true }).fill(address);
      await add.getByLabel('Reason').selectOption({ label: reason });
      await add.getByRole('button', { name: 'Add' }).click();
      await add.getByRole('status').waitFor();
    }
    // Emails are kept lower-cased, as the sends compare them.
    await page.getByRole('cell', { name: 'gone@example.com', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'left@example.com', exact: true }).waitFor();
    await browser.screenshot(page, 'marketing-suppressions');
    await page.getByLabel('Search addresses').fill('gone');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('button', { name: 'Remove gone@example.com from the list' }).click();
    await page.getByText('No address matches.').waitFor();
    await page.getByLabel('Search addresses').fill('');
    await page.getByRole('cell', { name: 'left@example.com', exact: true }).waitFor();
    expect(await page.getByRole('cell', { name: 'gone@example.com', exact: true }).count()).toBe(0);
  });

  it('shows operators no marketing screens', { timeout: 60_000 }, async () => {
    await newPerson('operator', 'otto@crm.test');
    const page = await browser.page({ viewport: { width: 1440, height: 900 } });
    await logIn(page, server.url, 'otto@crm.test', PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Inbox' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Marketing' }).count()).toBe(0);
    // Typing the address does not open them either: the inbox shows.
    await page.goto(`${server.url}/#/marketing/campaigns`);
    await page.getByRole('tablist', { name: 'Which conversations' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Marketing' }).count()).toBe(0);
  });
});
