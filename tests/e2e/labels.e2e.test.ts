import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAdapter } from '../../channels/test/test.adapter.ts';
import type { IngestResult } from '../../src/inbox/ingest.service.ts';
import { ConversationLabel } from '../../src/store/entities/index.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import type { Session, TestServer } from '../helpers/test-server.ts';

/** Settings → Labels in a real Chromium: the catalogue an admin keeps, and its colours in the inbox. */
describe('the label catalogue in a browser', () => {
  let server: TestServer;
  let browser: TestBrowser;
  let channel: TestAdapter;
  let admin: Session;

  beforeAll(async () => {
    server = await appServer({ workers: false });
    admin = await server.login();
    channel = await server.testChannel((await server.inbox('test', { name: 'Support' })).id);
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const api = (method: 'POST', url: string, payload: object) => server.app.inject({ method, url: `/api/v1${url}`, headers: admin.headers, payload });

  it('creates, recolours, renames and deletes labels, and the inbox shows them coloured and suggests them', { timeout: 90_000 }, async () => {
    const { conversationId } = (await channel.receive({ externalMessageId: 'm-1', sender: { externalUserId: 'ada', name: 'Ada Lovelace' }, text: 'I want my money back' })) as IngestResult;
    await api('POST', `/conversations/${conversationId}/labels`, { labels: ['refund'] });
    await api('POST', '/labels', { name: 'vip', color: '#aa00ff', description: 'Big spenders' });

    const page = await browser.page({ viewport: { width: 1440, height: 900 } });
    await logIn(page, server.url);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Labels' }).click();
    const table = page.getByRole('table', { name: 'Labels' });
    await table.getByText('Big spenders').waitFor();

    const form = page.getByRole('form', { name: 'New label' });
    await form.getByLabel('Name').fill('refund');
    await form.getByLabel('Colour').fill('#00aa55');
    await form.getByLabel('Description (optional)').fill('Money back');
    await form.getByRole('button', { name: 'Create' }).click();
    await table.getByText('Money back').waitFor();
    await browser.screenshot(page, 'settings-labels');

    // In the inbox the conversation's label now wears the catalogue colour; the picker suggests the others.
    await page.getByRole('link', { name: 'Inbox', exact: true }).click();
    const row = page.locator('.row', { hasText: 'Ada Lovelace' });
    const chip = row.locator('.label-chip', { hasText: 'refund' });
    await expect.poll(() => chip.getAttribute('style')).toContain('#00aa55');
    await row.click();
    const header = page.locator('.conv-header');
    expect(await header.locator('.label-chip', { hasText: 'refund' }).getAttribute('style')).toContain('#00aa55');
    expect(await page.locator('#label-suggestions option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['vip']);
    await page.getByRole('combobox', { name: 'Add a label' }).fill('vip');
    await page.getByRole('combobox', { name: 'Add a label' }).press('Enter');
    await expect.poll(() => header.locator('.label-chip', { hasText: 'vip' }).getAttribute('style')).toContain('#aa00ff');
    await browser.screenshot(page, 'inbox-labels');

    // Rename and recolour: every conversation carrying it follows.
    await page.goto(`${server.url}/#/settings/labels`);
    await page.getByRole('button', { name: 'Edit label refund' }).click();
    const edit = page.getByRole('form', { name: 'Edit label refund' });
    await edit.getByLabel('Name').fill('refunds');
    await edit.getByLabel('Colour').fill('#cc3300');
    await edit.getByRole('button', { name: 'Save' }).click();
    await table.locator('.label-chip', { hasText: 'refunds' }).waitFor();
    expect((await server.runtime.orm.em.fork().find(ConversationLabel, { conversation: conversationId }, { orderBy: { label: 'asc' } })).map((l) => l.label)).toEqual(['refunds', 'vip']);
    await page.getByRole('link', { name: 'Inbox', exact: true }).click();
    await expect.poll(() => row.locator('.label-chip').allTextContents()).toEqual(['refunds', 'vip']);
    expect(await row.locator('.label-chip', { hasText: 'refunds' }).getAttribute('style')).toContain('#cc3300');

    // Delete, after confirming: gone from the catalogue and from the conversation.
    await page.goto(`${server.url}/#/settings/labels`);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete label refunds' }).click();
    await expect.poll(() => table.locator('.label-chip').allTextContents()).toEqual(['vip']);
    await page.getByRole('link', { name: 'Inbox', exact: true }).click();
    await expect.poll(() => row.locator('.label-chip').allTextContents()).toEqual(['vip']);
  });
});
