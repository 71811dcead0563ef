import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { clearRedisPrefix } from '../helpers/redis-prefix.ts';
import { ADMIN, eventually, nextEvent, REDIS_URL } from '../helpers/test-server.ts';

/**
 * One deployment as it runs in production: two server processes on different ports and a worker
 * process, sharing one database and one Redis prefix. Operators connected to either server must
 * see everything, whichever process caused it.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Child {
  name: string;
  process: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

const children: Child[] = [];
// If the test runner itself dies, take the children with it.
process.once('exit', () => children.forEach((c) => c.process.kill('SIGKILL')));

function spawnNode(name: string, script: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const handle = { name, process: child, output, exited };
  children.push(handle);
  return handle;
}

/** SIGTERM, then SIGKILL if it has not exited after 5 s. */
async function stop(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const killer = setTimeout(() => child.process.kill('SIGKILL'), 5000);
  await child.exited;
  clearTimeout(killer);
}

/** Waits for `check` while making sure the child is still alive; a crash fails with its output. */
async function whileAlive(child: Child, what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited (${child.process.exitCode}) before ${what}:\n${child.output.join('')}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name}: no ${what} within ${ms} ms:\n${child.output.join('')}`);
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

/** A real HTTP endpoint standing in for the integration's callback URL. */
async function callbackReceiver() {
  const deliveries: { text: string }[] = [];
  const server: HttpServer = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      deliveries.push({ text: JSON.parse(body).message.text });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ externalId: `cb-${deliveries.length}` }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries, close: () => new Promise((done) => server.close(done)) };
}

describe('two server processes and a worker process sharing one database and Redis', () => {
  const prefix = `crm-test-scale-${randomBytes(6).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-scale-'));
  const sockets: Socket[] = [];
  let database: TestDatabase;
  let env: Record<string, string>;
  let receiver: Awaited<ReturnType<typeof callbackReceiver>>;
  let urls: [string, string];
  let token: string;
  let inbox: { id: number; secret: string };

  async function startServer(name: string): Promise<string> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawnNode(name, 'src/main.ts', { ...env, PORT: String(port), PUBLIC_URL: url, RUN_WORKERS: 'false' });
    await whileAlive(child, '/readyz', async () => (await fetch(`${url}/readyz`)).ok);
    return url;
  }

  async function operatorSocket(url: string, bearer = token): Promise<Socket> {
    const socket = connect(`${url}/operators`, { auth: { token: bearer }, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    await new Promise<void>((done, fail) => {
      socket.once('connect', () => done());
      socket.once('connect_error', fail);
    });
    await socket.timeout(5000).emitWithAck('sync', { since: 0 }); // rooms are joined once this answers
    return socket;
  }

  const call = async (url: string, method: string, path: string, body?: unknown, bearer = token) => {
    const response = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
  const customerPosts = (url: string, externalMessageId: string, text: string) =>
    call(url, 'POST', `/api/v1/channels/api/${inbox.id}/messages`, { externalMessageId, sender: { externalUserId: 'scale-customer', name: 'Grace' }, text }, inbox.secret);

  beforeAll(async () => {
    database = await createTestDatabase();
    receiver = await callbackReceiver();
    env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      ...(database.env as Record<string, string>),
      REDIS_URL,
      REDIS_PREFIX: prefix,
      DATA_DIR: dataDir,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
    };
    // One after the other: the first one creates the schema, the second finds it migrated.
    urls = [await startServer('server 1'), await startServer('server 2')];
    const login = await fetch(`${urls[0]}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    expect(login.status).toBe(200);
    token = (await login.json()).token;
    const created = await call(urls[0], 'POST', '/api/v1/inboxes', { kind: 'api', name: 'Scale-out API', settings: { callbackUrl: receiver.url } });
    expect(created.status).toBe(201);
    inbox = created.body;
  }, 90_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await Promise.all(children.map(stop));
    await receiver?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await clearRedisPrefix({ url: REDIS_URL }, prefix);
  }, 30_000);

  it('pushes a message that arrives on either server to operators on both', async () => {
    const [one, two] = [await operatorSocket(urls[0]), await operatorSocket(urls[1])];
    for (const [i, url] of urls.entries()) {
      const text = `hello via server ${i + 1}`;
      const seen = [one, two].map((socket) => nextEvent(socket, 'message.created', (e) => e.message.text === text));
      expect((await customerPosts(url, `scale-in-${i}`, text)).status).toBe(201);
      const [onOne, onTwo] = await Promise.all(seen);
      // The same event, with the same id, whichever server the operator is on.
      expect(onOne).toEqual(onTwo);
      expect(onOne).toMatchObject({ inboxId: inbox.id, id: expect.any(Number) });
    }
  });

  it('lets an operator connected to one server see an inbox the moment an admin on the other adds them to it', async () => {
    const created = await call(urls[0], 'POST', '/api/v1/operators', { email: 'late@crm.test', name: 'Late', password: 'a-long-password', role: 'operator' });
    expect(created.status).toBe(201);
    const login = await fetch(`${urls[1]}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'late@crm.test', password: 'a-long-password' }) });
    const late = await operatorSocket(urls[1], (await login.json()).token);
    const unseen = nextEvent(late, 'message.created', (e) => e.message.text === 'before membership', 1500).then(() => 'seen', () => 'not seen');
    await customerPosts(urls[0], 'scale-member-0', 'before membership');
    expect(await unseen).toBe('not seen');

    expect((await call(urls[0], 'PATCH', `/api/v1/inboxes/${inbox.id}`, { memberIds: [created.body.id] })).status).toBe(200);
    await eventually(async () => {
      const seen = nextEvent(late, 'message.created', (e) => e.message.text.startsWith('after membership'), 1000).then(() => true, () => false);
      await customerPosts(urls[0], `scale-member-${randomBytes(3).toString('hex')}`, 'after membership');
      return (await seen) || null;
    }, 10_000);
  });

  it('relays an operator typing on one server to an operator on the other', async () => {
    const [one, two] = [await operatorSocket(urls[0]), await operatorSocket(urls[1])];
    const { body } = await customerPosts(urls[0], 'scale-typing', 'is anyone there?');
    const seen = nextEvent(two, 'typing');
    one.emit('typing', { conversationId: body.conversationId, typing: true });
    expect(await seen).toMatchObject({ conversationId: body.conversationId, typing: true });
  });

  it('sends a reply posted on server 2 from the worker process, and server 1\'s operators see it sent', async () => {
    const one = await operatorSocket(urls[0]);
    const { body: inbound } = await customerPosts(urls[1], 'scale-question', 'when do you open?');
    const reply = await call(urls[1], 'POST', `/api/v1/conversations/${inbound.conversationId}/messages`, { text: 'at nine' });
    expect(reply.status).toBe(201);

    // Neither server runs workers: the reply waits in the queue until a worker process exists.
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.deliveries).toEqual([]);
    expect((await call(urls[0], 'GET', `/api/v1/conversations/${inbound.conversationId}/messages`)).body.items.at(-1)).toMatchObject({ id: reply.body.id, status: 'queued' });

    const sent = nextEvent(one, 'message.updated', (e) => e.message.id === reply.body.id && e.message.status === 'sent', 30_000);
    const worker = spawnNode('worker', 'workers/main.ts', env);
    await whileAlive(worker, 'the "working" line', async () => worker.output.join('').includes('working'));
    expect((await sent).message).toMatchObject({ text: 'at nine', externalId: 'cb-1' });
    expect(receiver.deliveries).toEqual([{ text: 'at nine' }]);
    await eventually(async () => (await call(urls[1], 'GET', `/api/v1/conversations/${inbound.conversationId}/messages`)).body.items.at(-1)?.status === 'sent');
  }, 60_000);
});
