import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); playwright never downloads its own browser here. */
export const CHROMIUM_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';

/** Where end-to-end tests save what a person would see; git-ignored, kept after the run to look at. */
export const SCREENSHOT_DIR = resolve('tests/e2e/screenshots');

// The background-networking flags matter here: without them Chromium keeps dialling Google's
// hosts, which this machine's closed network refuses, many connections at a time.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies and localStorage), closed with the browser. */
  context(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
  page(options?: Parameters<Browser['newContext']>[0]): Promise<Page>;
  /** Saves a PNG under tests/e2e/screenshots/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** Launches headless Chromium (playwright gives it a throwaway profile). */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  const contexts: BrowserContext[] = [];
  const context = async (options?: Parameters<Browser['newContext']>[0]) => {
    const created = await browser.newContext(options);
    contexts.push(created);
    return created;
  };
  return {
    browser,
    context,
    page: async (options) => (await context(options)).newPage(),
    async screenshot(page, name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
    },
  };
}
