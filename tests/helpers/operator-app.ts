import type { Page } from 'playwright-core';
import { buildOperatorApp, operatorBuildIsStale } from '../../scripts/build-operator.ts';
import { freePort } from './free-port.ts';
import { ADMIN, TestServer, type TestServerOptions } from './test-server.ts';

/** Builds the operator web app when its sources changed since the last build (the server serves dist/). */
export async function ensureOperatorApp(): Promise<void> {
  if (operatorBuildIsStale()) await buildOperatorApp();
}

/**
 * A listening server that serves the built app at its own PUBLIC_URL, as in production: the browser's
 * origin is then the server's, which the operator socket accepts.
 */
export async function appServer(options: TestServerOptions = {}): Promise<TestServer> {
  await ensureOperatorApp();
  const port = await freePort();
  const server = await TestServer.start({ ...options, config: { PUBLIC_URL: `http://127.0.0.1:${port}`, ...options.config } });
  await server.listen(port);
  return server;
}

/** Logs in through the login form, as a person would, and waits for the inbox with its live connection. */
export async function logIn(page: Page, url: string, email = ADMIN.email, password = ADMIN.password): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('tablist', { name: 'Which conversations' }).waitFor();
  // The live dot turns green once the socket is connected.
  await page.locator('.live-live').waitFor();
}
