import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contact } from '../../src/store/entities/index.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { appServer, logIn } from '../helpers/operator-app.ts';
import type { TestServer } from '../helpers/test-server.ts';

/** Person i's mobile, written the international way (duplicates below write it the German way). */
const phone = (i: number) => `+49 151 ${String(10_000_000 + i)}`;
const localPhone = (i: number) => `0151 ${String(10_000_000 + i)}`;
const email = (i: number) => `person${i}@example.com`;

/**
 * 1 000 rows: 870 new people; 60 of them again by phone written differently, 40 again by email in
 * capitals (duplicates: updated); 10 rows whose phone is one person's and email another's (merged);
 * 20 with a phone that is not one (rejected).
 */
function thousandRows(): string {
  const rows = ['Name;Mobile;E-Mail;Tags'];
  for (let i = 0; i < 870; i++) rows.push(`Person ${i};${phone(i)};${email(i)};import`);
  for (let i = 200; i < 260; i++) rows.push(`Person ${i} (again);${localPhone(i)};;repeat`);
  for (let i = 300; i < 340; i++) rows.push(`;;${email(i).toUpperCase()};repeat`);
  for (let i = 0; i < 10; i++) rows.push(`Merged ${i};${phone(i)};${email(i + 100)};`);
  for (let i = 0; i < 20; i++) rows.push(`Bad ${i};123;;`);
  return `${rows.join('\n')}\n`;
}

describe('contacts in the browser', () => {
  let server: TestServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    server = await appServer({ workers: false });
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('imports a CSV of 1 000 contacts with duplicates through the column-mapping step and reports what happened', { timeout: 180_000 }, async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'crm-import-')), 'contacts.csv');
    writeFileSync(file, thousandRows());
    const page = await browser.page({ viewport: { width: 1440, height: 900 } });
    await logIn(page, server.url);
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await page.getByLabel('CSV file').setInputFiles(file);
    // The mapping step guessed name, phone and email from the headers; tags we set by hand.
    const dialog = page.getByRole('dialog', { name: 'Import CSV' });
    await expect.poll(() => dialog.getByLabel('Column "Mobile"').inputValue()).toBe('phone');
    expect(await dialog.getByLabel('Column "Name"').inputValue()).toBe('name');
    expect(await dialog.getByLabel('Column "E-Mail"').inputValue()).toBe('email');
    await dialog.getByLabel('Column "Tags"').selectOption('tags');
    await dialog.getByLabel('Country for phones without a + prefix').fill('DE');
    await browser.screenshot(page, 'contacts-import-mapping');
    await dialog.getByRole('button', { name: 'Import 1000 rows' }).click();
    const report = dialog.getByTestId('import-report');
    await report.waitFor({ timeout: 150_000 });
    expect(await report.textContent()).toBe('Import finished: 870 created, 100 updated, 10 merged, 20 rejected.');
    await dialog.getByText('Rejected rows').click();
    expect(await dialog.getByText('Row 982: "123" is not a valid phone number').count()).toBe(1);
    await browser.screenshot(page, 'contacts-import-report');

    // 870 people, 10 of them merged with another: 860 cards; person 205 has one card with both phones' forms as one.
    expect(await server.runtime.orm.em.fork().count(Contact, {})).toBe(860);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByLabel('Search by name, phone or email').fill('person205@');
    await expect.poll(() => page.locator('.table tbody tr').count()).toBe(1);
    expect(await page.locator('.table tbody tr').first().textContent()).toContain('Person 205 (again)');
    expect(await page.locator('.table tbody tr').first().textContent()).toContain('+4915110000205');
    await page.locator('.table tbody tr a').first().click();
    await page.getByRole('complementary', { name: 'Client card' }).locator('.pill', { hasText: 'repeat' }).waitFor();
    await browser.screenshot(page, 'contacts');
  });
});
