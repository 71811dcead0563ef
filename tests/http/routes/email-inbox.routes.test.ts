import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_EMAIL_CONFIG, SETUP_TIMEOUT_MS, TEST_TIMEOUT_MS } from '../../helpers/channel-context.ts';
import { Dovecot, MAILBOX } from '../../helpers/dovecot.ts';
import { adminOf, connected } from '../../helpers/email-inbox.ts';
import { freePort } from '../../helpers/free-port.ts';
import { SmtpSink } from '../../helpers/smtp-sink.ts';
import { nextEvent, TestServer, type Session } from '../../helpers/test-server.ts';

let dovecot: Dovecot;
let smtp: SmtpSink;
let server: TestServer;
let admin: Session;

beforeAll(async () => {
  dovecot = await Dovecot.start([MAILBOX.address, 'state@crm.test']);
  smtp = await SmtpSink.start({ user: MAILBOX.address, password: MAILBOX.password });
  server = await TestServer.start({ config: FAST_EMAIL_CONFIG, workers: false });
  admin = await adminOf(server);
}, SETUP_TIMEOUT_MS);
afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await dovecot?.stop();
});

const body = (overrides: { imap?: object; smtp?: object; credentials?: object; settings?: object } = {}) => ({
  kind: 'email',
  name: 'Support',
  settings: {
    address: MAILBOX.address,
    imap: { ...dovecot.imapSettings(), ...overrides.imap },
    smtp: { ...smtp.smtpSettings(MAILBOX.address), ...overrides.smtp },
    ...overrides.settings,
  },
  credentials: { imapPassword: MAILBOX.password, smtpPassword: MAILBOX.password, ...overrides.credentials },
});

const post = (url: string, payload: object, session: Session = admin) => server.app.inject({ method: 'POST', url, headers: session.headers, payload });

describe('setting up an email inbox', { timeout: TEST_TIMEOUT_MS }, () => {
  it('says which connection worked and what failed, without saving anything ("test connection")', async () => {
    const good = await post('/api/v1/inboxes/test-connection', body());
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({ ok: true, checks: [{ name: 'imap', ok: true }, { name: 'smtp', ok: true }] });

    const badPassword = await post('/api/v1/inboxes/test-connection', body({ credentials: { imapPassword: 'wrong', smtpPassword: MAILBOX.password } }));
    expect(badPassword.json()).toMatchObject({ ok: false, checks: [{ name: 'imap', ok: false, message: expect.stringContaining('refused the user name or password') }, { name: 'smtp', ok: true }] });

    const refused = await post('/api/v1/inboxes/test-connection', body({ smtp: { port: await freePort() } }));
    expect(refused.json().checks[1]).toMatchObject({ name: 'smtp', ok: false, message: expect.stringContaining('connection refused by 127.0.0.1') });

    const tls = await post('/api/v1/inboxes/test-connection', body({ imap: { secure: true } }));
    expect(tls.json().checks[0]).toMatchObject({ name: 'imap', ok: false, message: expect.stringMatching(/^IMAP: TLS failed .*secure: false/) });

    const unknownHost = await post('/api/v1/inboxes/test-connection', body({ imap: { host: 'imap.nowhere.invalid' } }));
    expect(unknownHost.json().checks[0]).toMatchObject({ ok: false, message: 'IMAP: unknown host imap.nowhere.invalid (the name does not resolve)' });

    const list = await server.app.inject({ method: 'GET', url: '/api/v1/inboxes', headers: admin.headers });
    expect(list.json()).toEqual([]);
  });

  it('refuses to save an inbox whose mailbox does not accept the login, saying why', async () => {
    const response = await post('/api/v1/inboxes', body({ credentials: { imapPassword: 'wrong', smtpPassword: 'wrong' } }));
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/IMAP: the server refused the user name or password.*SMTP: the server refused the user name or password/);

    const incomplete = await post('/api/v1/inboxes', { kind: 'email', name: 'Half', settings: { address: 'not-an-address', imap: { host: '127.0.0.1' } } });
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.json().error.message).toContain('Invalid email settings');
    expect(incomplete.json().error.message).toContain('credentials.imapPassword is required');
  });

  it('lets only admins test connections', async () => {
    const operator = await server.operator('operator');
    expect((await post('/api/v1/inboxes/test-connection', body(), operator)).statusCode).toBe(403);
  });

  it('shows admins the connection state, and pushes its changes to them live', async () => {
    const socket = await server.socket(admin);
    const pushed = nextEvent(socket, 'inbox.state', (s) => s.status === 'connected', 30_000);
    const created = await post('/api/v1/inboxes', body({ imap: dovecot.imapSettings('state@crm.test'), settings: { address: 'state@crm.test' } }));
    expect(created.statusCode).toBe(201);
    const id = created.json().id as number;
    expect(await pushed).toMatchObject({ inboxId: id, status: 'connected', detail: expect.stringContaining('receiving INBOX'), at: expect.any(String) });
    await connected(server, id);

    const one = await server.app.inject({ method: 'GET', url: `/api/v1/inboxes/${id}`, headers: admin.headers });
    expect(one.json()).toMatchObject({ kind: 'email', credentialsSet: ['imapPassword', 'smtpPassword'], state: { status: 'connected' } });
    expect(JSON.stringify(one.json())).not.toContain(MAILBOX.password);
    const list = await server.app.inject({ method: 'GET', url: '/api/v1/inboxes', headers: admin.headers });
    expect(list.json().find((i: { id: number }) => i.id === id).state.status).toBe('connected');

    // A saved inbox can be re-tested with changed settings; its stored passwords fill in.
    const retest = await post(`/api/v1/inboxes/${id}/test-connection`, { settings: { ...body().settings, imap: { ...dovecot.imapSettings('state@crm.test'), port: await freePort() } } });
    expect(retest.json()).toMatchObject({ ok: false, checks: [{ name: 'imap', ok: false }, { name: 'smtp', ok: true }] });

    // Operators who are members see the inbox, not its connection state.
    const operator = await server.operator('operator');
    await server.app.inject({ method: 'PATCH', url: `/api/v1/inboxes/${id}`, headers: admin.headers, payload: { memberIds: [operator.operatorId] } });
    const theirs = await server.app.inject({ method: 'GET', url: `/api/v1/inboxes/${id}`, headers: operator.headers });
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json()).not.toHaveProperty('state');
  });
});
