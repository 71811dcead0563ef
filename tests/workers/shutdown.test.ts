import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { Message } from '../../src/store/entities/index.ts';
import { openOrm } from '../../src/store/orm.ts';
import { connectRedis, locateRedis } from '../../src/store/redis.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { clearRedisPrefix } from '../helpers/redis-prefix.ts';
import { ADMIN, REDIS_URL } from '../helpers/test-server.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHUTDOWN_TIMEOUT_MS = 10_000;

const children: ChildProcess[] = [];
// If the test runner itself dies, take the children with it.
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
afterAll(() => Promise.all(children.map(stop)));

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Booted {
  server: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
  replyId: number;
  callback: { arrived: boolean; answered: boolean };
  database: TestDatabase;
}

/**
 * `node src/main.ts` (workers in process) with an API inbox whose callback answers after `delayMs`,
 * and one reply already handed to the integration when this resolves.
 */
async function bootWithSlowCallback(delayMs: number, shutdownTimeoutMs: number, cleanups: (() => Promise<unknown> | void)[]): Promise<Booted> {
  const prefix = `crm-test-shutdown-${randomBytes(6).toString('hex')}`;
  const database = await createTestDatabase();
  cleanups.push(() => database.drop(), () => clearRedisPrefix({ url: REDIS_URL }, prefix));
  const callback = { arrived: false, answered: false };
  const receiver: HttpServer = createHttpServer((request, response) => {
    callback.arrived = true;
    request.resume();
    const timer = setTimeout(() => {
      callback.answered = true;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ externalId: 'slow-1' }));
    }, delayMs);
    response.once('close', () => clearTimeout(timer));
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  cleanups.push(() => new Promise((done) => receiver.close(done)), () => receiver.closeAllConnections());

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-shutdown-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const output: string[] = [];
  const server = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: url, DATA_DIR: dataDir,
      ...(database.env as Record<string, string>), REDIS_URL, REDIS_PREFIX: prefix,
      ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, RUN_WORKERS: 'true', SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs), LOG_LEVEL: 'warn',
    },
  });
  children.push(server);
  cleanups.unshift(() => stop(server));
  server.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((done) => server.once('exit', (code) => done(code)));

  await until('/readyz', async () => server.exitCode === null && (await fetch(`${url}/readyz`)).ok);
  const post = async (path: string, body: unknown, bearer?: string) => {
    const response = await fetch(`${url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) }, body: JSON.stringify(body) });
    if (response.status >= 300) throw new Error(`${path} answered ${response.status}: ${await response.text()}\n${output.join('')}`);
    return response.json();
  };
  const { token } = await post('/auth/login', ADMIN);
  const inbox = await post('/inboxes', { kind: 'api', name: 'Slow API', settings: { callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` } }, token);
  const inbound = await post(`/channels/api/${inbox.id}/messages`, { externalMessageId: 'slow-q', sender: { externalUserId: 'patient' }, text: 'hello?' }, inbox.secret);
  const reply = await post(`/conversations/${inbound.conversationId}/messages`, { text: 'one moment' }, token);
  await until('the reply reaching the callback', () => callback.arrived, 10_000);
  return { server, exited, output: () => output.join(''), replyId: reply.id, callback, database };
}

async function messageStatus(database: TestDatabase, id: number) {
  const orm = await openOrm(loadConfig({}, database.env));
  try {
    const { status, externalId } = await orm.em.fork().findOneOrFail(Message, id);
    return { status, externalId };
  } finally {
    await orm.close();
  }
}

describe('graceful shutdown', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('finishes the reply being sent on SIGTERM, then exits 0 within the shutdown timeout', async () => {
    // The integration holds the reply for 1.5 s before it answers.
    const { server, exited, output, replyId, callback, database } = await bootWithSlowCallback(1500, SHUTDOWN_TIMEOUT_MS, cleanups);
    const signalled = Date.now();
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(callback.answered).toBe(true);
    expect(output()).toContain('SIGTERM: shutting down');
    expect(output()).not.toContain('did not drain');
    // The in-flight job was finished, not abandoned: the message is recorded as sent.
    expect(await messageStatus(database, replyId)).toEqual({ status: 'sent', externalId: 'slow-1' });
  }, 60_000);

  it('stops waiting for a send that outlasts the shutdown timeout, and exits 0 soon after it', async () => {
    // The integration would hold the reply for 8 s; the shutdown timeout is 1 s.
    const { server, exited, output, replyId, callback, database } = await bootWithSlowCallback(8000, 1000, cleanups);
    const signalled = Date.now();
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(callback.answered).toBe(false);
    expect(output()).toContain('did not drain within 1000 ms');
    // Never reported sent: its outcome is unknown, and the next worker to pick it up says so (see send-message.worker.ts).
    expect((await messageStatus(database, replyId)).status).toBe('sending');
  }, 60_000);
});

describe('finding Redis when REDIS_URL is not set', () => {
  const dataDirs: string[] = [];
  const log: string[] = [];
  const configIn = () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-redis-'));
    dataDirs.push(dir);
    return loadConfig({}, { DATA_DIR: dir, REDIS_URL: '' });
  };
  // Nothing listens on port 1, so the probe for an already running Redis fails at once.
  const NOBODY = 'redis://127.0.0.1:1';
  afterEach(() => {
    for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('uses a Redis already answering at the probe address and starts nothing', async () => {
    const handle = await locateRedis(configIn(), (line) => log.push(line), REDIS_URL);
    expect(handle).toEqual({ target: { url: REDIS_URL } });
  });

  it('starts a private redis-server on a unix socket under DATA_DIR, reuses it if left running, and stops it', async () => {
    const config = configIn();
    const handle = await locateRedis(config, (line) => log.push(line), NOBODY);
    const child = handle.child!;
    children.push(child);
    expect('path' in handle.target && handle.target.path).toBe(resolve(config.DATA_DIR, 'redis', 'redis.sock'));
    expect(log.at(-1)).toContain(`started a private redis-server (pid ${child.pid})`);

    const client = connectRedis(handle.target);
    try {
      await client.set('crm-private-check', 'yes');
      expect(await client.get('crm-private-check')).toBe('yes');
    } finally {
      client.disconnect();
    }

    // A second start (say after a crash left it running) finds it instead of starting another.
    const again = await locateRedis(config, (line) => log.push(line), NOBODY);
    expect(again.child).toBeUndefined();
    expect(log.at(-1)).toContain('using the private redis-server already running');

    const exited = new Promise((done) => child.once('exit', done));
    await handle.stop!();
    await exited;
    // redis-server removes its socket file on a clean shutdown; nothing is left listening.
    await until('the socket file to go', () => !existsSync((handle.target as { path: string }).path), 5000);
  });

  it('says in one line what to do when no Redis answers and redis-server is not installed', async () => {
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      const attempt = locateRedis(configIn(), (line) => log.push(line), NOBODY);
      const error: Error = await attempt.then(() => { throw new Error('expected locateRedis to fail'); }, (e: Error) => e);
      expect(error.message).not.toContain('\n');
      expect(error.message).toMatch(/REDIS_URL/);
      expect(error.message).toMatch(/redis-server/);
    } finally {
      process.env.PATH = path;
    }
  });
});
