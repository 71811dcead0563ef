import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxConfig } from '../../../src/inbox/inboxes.service.ts';
import { ContactIdentity, Inbox } from '../../../src/store/entities/index.ts';
import { FAST_EMAIL_CONFIG, SETUP_TIMEOUT_MS, TEST_TIMEOUT_MS } from '../../helpers/channel-context.ts';
import { Dovecot, MAILBOX } from '../../helpers/dovecot.ts';
import { adminOf, connected, createEmailInbox, mail, storedMessages } from '../../helpers/email-inbox.ts';
import { SmtpSink } from '../../helpers/smtp-sink.ts';
import { TcpProxy } from '../../helpers/tcp-proxy.ts';
import { eventually, nextEvent, TestServer } from '../../helpers/test-server.ts';

let dovecot: Dovecot;
let smtp: SmtpSink;
let server: TestServer;

beforeAll(async () => {
  dovecot = await Dovecot.start(['agent@crm.test', 'live@crm.test', 'offline@crm.test', 'cut@crm.test', 'silent@crm.test', 'resync@crm.test', 'pair@crm.test']);
  smtp = await SmtpSink.start({ user: MAILBOX.address, password: MAILBOX.password });
  server = await TestServer.start({ config: FAST_EMAIL_CONFIG });
}, SETUP_TIMEOUT_MS);
afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await dovecot?.stop();
});

/** Stops and restarts receiving on one inbox in this server (as a restart of the process would). */
async function stopReceiving(s: TestServer, inboxId: number) {
  await s.services.channels.remove(inboxId);
}
async function startReceiving(s: TestServer, inboxId: number) {
  const inbox = await s.runtime.orm.em.fork().findOneOrFail(Inbox, inboxId);
  await s.services.channels.refresh(inboxConfig(inbox));
}

const texts = async (s: TestServer, inboxId: number) => (await storedMessages(s, inboxId)).map((m) => m.text);

describe('receiving a mailbox over IMAP', { timeout: TEST_TIMEOUT_MS }, () => {
  it('shows a new email to operators the moment it arrives (IDLE), on the sender\'s client card', async () => {
    const inboxId = await createEmailInbox(server, { imap: dovecot.imapSettings('live@crm.test'), smtp });
    await connected(server, inboxId);
    const socket = await server.socket(await adminOf(server));
    const created = nextEvent(socket, 'message.created', (e) => e.inboxId === inboxId, 30_000);

    await dovecot.deliver(await mail({ from: 'Ada Lovelace <Ada@Example.com>', subject: 'Where is my parcel?', text: 'Hello, my parcel has not arrived.' }), { to: 'live@crm.test' });

    const event = await created;
    expect(event.message).toMatchObject({ direction: 'in', text: 'Hello, my parcel has not arrived.', meta: { subject: 'Where is my parcel?', email: { from: { address: 'ada@example.com', name: 'Ada Lovelace' } } } });
    const identity = await server.runtime.orm.em.fork().findOneOrFail(ContactIdentity, { kind: 'email', value: 'ada@example.com' }, { populate: ['contact'] });
    expect(identity.contact.name).toBe('Ada Lovelace');
  });

  it('stores exactly once each of ten emails that arrived while the server was stopped, once it starts', async () => {
    const inboxId = await createEmailInbox(server, { imap: dovecot.imapSettings('offline@crm.test'), smtp });
    await connected(server, inboxId);
    await stopReceiving(server, inboxId);
    for (let i = 1; i <= 10; i++) await dovecot.deliver(await mail({ subject: `Order ${i}`, text: `Message number ${i}` }), { to: 'offline@crm.test' });

    // A second server process on the same database and Redis: a restart.
    const restarted = await TestServer.start({ shareWith: server, config: FAST_EMAIL_CONFIG, workers: false });
    try {
      await eventually(async () => (await texts(restarted, inboxId)).length >= 10, 30_000);
      await connected(restarted, inboxId);
      // Its watchdog re-reads the folder every second: give it a few rounds to show nothing comes twice.
      await new Promise((r) => setTimeout(r, 2500));
      expect(await texts(restarted, inboxId)).toEqual(Array.from({ length: 10 }, (_, i) => `Message number ${i + 1}`));
    } finally {
      await restarted.close();
    }
  });

  it('recovers from a connection cut in the middle of fetching, without losing or repeating an email', async () => {
    const proxy = await TcpProxy.start(dovecot.imapPort);
    try {
      const inboxId = await createEmailInbox(server, { imap: { ...dovecot.imapSettings('cut@crm.test'), port: proxy.port }, smtp });
      await connected(server, inboxId);
      await stopReceiving(server, inboxId);
      const filler = 'Lorem ipsum dolor sit amet. '.repeat(600); // about 17 KB each
      for (let i = 1; i <= 6; i++) await dovecot.deliver(await mail({ subject: `Long ${i}`, text: `Part ${i}\n\n${filler}` }), { to: 'cut@crm.test' });

      const before = proxy.connections;
      proxy.cutAfterServerBytes(40_000); // during the second or third message
      await startReceiving(server, inboxId);

      await eventually(async () => (await texts(server, inboxId)).length >= 6, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      const stored = await texts(server, inboxId);
      expect(stored.map((t) => t?.split('\n')[0])).toEqual(['Part 1', 'Part 2', 'Part 3', 'Part 4', 'Part 5', 'Part 6']);
      expect(proxy.connections - before).toBeGreaterThanOrEqual(2); // it had to reconnect
    } finally {
      await proxy.close();
    }
  });

  it('replaces a connection that silently stopped answering (NOOP watchdog) and keeps receiving', async () => {
    const proxy = await TcpProxy.start(dovecot.imapPort);
    try {
      const inboxId = await createEmailInbox(server, { imap: { ...dovecot.imapSettings('silent@crm.test'), port: proxy.port }, smtp });
      await connected(server, inboxId);
      const before = proxy.connections;
      proxy.silenceOpenConnections();
      await dovecot.deliver(await mail({ text: 'Are you still there?' }), { to: 'silent@crm.test' });

      await eventually(async () => (await texts(server, inboxId)).includes('Are you still there?'), 30_000);
      expect(proxy.connections).toBeGreaterThan(before);
    } finally {
      await proxy.close();
    }
  });

  it('resyncs after the folder\'s UIDVALIDITY changes, storing nothing twice', async () => {
    const inboxId = await createEmailInbox(server, { imap: dovecot.imapSettings('resync@crm.test'), smtp });
    await connected(server, inboxId);
    await dovecot.deliver(await mail({ text: 'first' }), { to: 'resync@crm.test' });
    await dovecot.deliver(await mail({ text: 'second' }), { to: 'resync@crm.test' });
    await eventually(async () => (await texts(server, inboxId)).length === 2, 30_000);

    await stopReceiving(server, inboxId);
    await dovecot.changeUidValidity('INBOX', 'resync@crm.test');
    await dovecot.deliver(await mail({ text: 'third, after the change' }), { to: 'resync@crm.test' });
    await startReceiving(server, inboxId);

    await eventually(async () => (await texts(server, inboxId)).length >= 3, 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await texts(server, inboxId)).toEqual(['first', 'second', 'third, after the change']);
  });

  it('receives a mailbox in only one of two servers, and the other takes over when that one stops', async () => {
    const proxy = await TcpProxy.start(dovecot.imapPort);
    const second = await TestServer.start({ shareWith: server, config: FAST_EMAIL_CONFIG, workers: false });
    let secondClosed = false;
    try {
      // Created on the second server: the first learns of it through the inbox change notice.
      const admin = await second.login();
      const response = await second.app.inject({
        method: 'POST', url: '/api/v1/inboxes', headers: admin.headers,
        payload: { kind: 'email', name: 'Pair', settings: { address: 'pair@crm.test', imap: { ...dovecot.imapSettings('pair@crm.test'), port: proxy.port }, smtp: smtp.smtpSettings(MAILBOX.address) }, credentials: { imapPassword: MAILBOX.password, smtpPassword: MAILBOX.password } },
      });
      expect(response.statusCode).toBe(201);
      const inboxId = response.json().id as number;
      await connected(second, inboxId);
      await eventually(async () => server.services.channels.running(inboxId) !== undefined);
      proxy.resetMaxOpen();
      await dovecot.deliver(await mail({ text: 'one' }), { to: 'pair@crm.test' });
      await eventually(async () => (await texts(server, inboxId)).length === 1, 30_000);
      // Both servers run the adapter, and each re-reads the folder every second: only one holds a connection.
      await new Promise((r) => setTimeout(r, 2500));
      expect(proxy.maxOpen).toBe(1);

      await second.close();
      secondClosed = true;
      await dovecot.deliver(await mail({ text: 'two' }), { to: 'pair@crm.test' });
      await eventually(async () => (await texts(server, inboxId)).length === 2, 30_000);
      expect(await texts(server, inboxId)).toEqual(['one', 'two']);
    } finally {
      if (!secondClosed) await second.close();
      await proxy.close();
    }
  });
});
