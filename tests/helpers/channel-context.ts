import { VisitorRelay } from '../../src/gateway/visitor-relay.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CursorStore } from '../../channels/channel-adapter.ts';
import type { AdapterContext } from '../../channels/registry.ts';
import type { EmailOptions } from '../../channels/email/email-settings.ts';
import { AttachmentStore } from '../../src/store/attachment-store.ts';

/** Cursors in memory, for testing an adapter without a database. */
export function memoryCursors(): CursorStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: async (inboxId, key) => values.get(`${inboxId}:${key}`) ?? null,
    set: async (inboxId, key, value) => void values.set(`${inboxId}:${key}`, value),
  };
}

/**
 * These files start Dovecot and whole servers, create inboxes (each checking two logins) and wait for mail:
 * on a busy 2-core machine that outlasts the suite's default timeouts, without anything being wrong.
 */
export const SETUP_TIMEOUT_MS = 120_000;
export const TEST_TIMEOUT_MS = 60_000;

/** Email timings short enough for tests (reconnects, watchdog). */
export const FAST_EMAIL: EmailOptions = {
  maxMessageBytes: 25 * 1024 * 1024,
  noopIntervalMs: 1000,
  noopTimeoutMs: 1000,
  reconnectMinMs: 100,
  reconnectMaxMs: 500,
  connectTimeoutMs: 3000,
};

/** The same timings as server configuration. */
export const FAST_EMAIL_CONFIG = {
  EMAIL_NOOP_INTERVAL_MS: FAST_EMAIL.noopIntervalMs,
  EMAIL_NOOP_TIMEOUT_MS: FAST_EMAIL.noopTimeoutMs,
  EMAIL_RECONNECT_MIN_MS: FAST_EMAIL.reconnectMinMs,
  EMAIL_RECONNECT_MAX_MS: FAST_EMAIL.reconnectMaxMs,
  EMAIL_CONNECT_TIMEOUT_MS: FAST_EMAIL.connectTimeoutMs,
  RECEIVER_LEASE_MS: 1500,
};

/** What an adapter gets from the server, with in-memory stand-ins for the database and Redis. */
export function testAdapterContext(overrides: Partial<AdapterContext> = {}): AdapterContext {
  return {
    callbackTimeoutMs: 2000,
    attachments: new AttachmentStore(mkdtempSync(join(tmpdir(), 'crm-attachments-')), 25 * 1024 * 1024),
    publicUrl: 'http://127.0.0.1',
    cursors: memoryCursors(),
    email: FAST_EMAIL,
    visitors: new VisitorRelay(),
    ...overrides,
  };
}
