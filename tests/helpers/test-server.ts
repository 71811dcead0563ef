import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { io as connect, type Socket } from 'socket.io-client';
import type { TestAdapter } from '../../channels/test/test.adapter.ts';
import { startWorkers, type RunningWorkers } from '../../workers/start-workers.ts';
import { buildApp } from '../../src/app.ts';
import { boot, startReceiving, type Runtime } from '../../src/bootstrap.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { inboxConfig } from '../../src/inbox/inboxes.service.ts';
import { Inbox, type Role } from '../../src/store/entities/index.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { clearRedisPrefix } from './redis-prefix.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN = { email: 'admin@crm.test', password: 'admin-password-1' };

export interface TestServerOptions {
  /** Run the send-message worker in this process (default true). */
  workers?: boolean;
  /** Share another server's database and Redis prefix (a second node of one deployment). */
  shareWith?: TestServer;
  config?: Partial<Config>;
}

export interface Session {
  token: string;
  operatorId: number;
  headers: { authorization: string };
}

/**
 * A whole server for one test file: its own database and Redis key prefix, the HTTP app in-process,
 * optionally listening (for sockets) and running workers. Close it in afterAll.
 */
export class TestServer {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly database: TestDatabase;
  readonly config: Config;
  #workers: RunningWorkers | null = null;
  #owned: boolean;
  #sockets: Socket[] = [];
  url = '';

  private constructor(app: FastifyInstance, runtime: Runtime, database: TestDatabase, config: Config, owned: boolean) {
    this.app = app;
    this.runtime = runtime;
    this.database = database;
    this.config = config;
    this.#owned = owned;
  }

  static async start(options: TestServerOptions = {}): Promise<TestServer> {
    const owned = !options.shareWith;
    const database = options.shareWith?.database ?? (await createTestDatabase());
    const prefix = options.shareWith?.config.REDIS_PREFIX ?? `crm-test-${randomBytes(6).toString('hex')}`;
    // Files (attachments…) go to a folder of this server's own, not the checkout's ./data.
    const dataDir = options.shareWith?.config.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'crm-test-data-'));
    const config = loadConfig({}, { ...database.env, DATA_DIR: dataDir, REDIS_URL, REDIS_PREFIX: prefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOGIN_RATE_LIMIT_PER_MINUTE: 1000, ...options.config });
    const runtime = await boot(config, () => {});
    await runtime.services.operators.ensureAdmin(ADMIN.email, ADMIN.password);
    // TEST_LOG=error shows what a 500 logged, when a test needs explaining.
    const app = await buildApp({ services: runtime.services, redis: runtime.redis, logger: process.env.TEST_LOG ? { level: process.env.TEST_LOG } : false });
    await startReceiving(runtime);
    const server = new TestServer(app, runtime, database, config, owned);
    if (options.workers !== false) server.#workers = await startWorkers(runtime.services, runtime.redis, () => {});
    return server;
  }

  get services() {
    return this.runtime.services;
  }

  /** Starts listening on a free loopback port, or `port` (needed for sockets and real HTTP clients). */
  async listen(port = 0): Promise<string> {
    await this.app.listen({ host: '127.0.0.1', port });
    this.url = `http://127.0.0.1:${(this.app.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async login(email = ADMIN.email, password = ADMIN.password): Promise<Session> {
    const response = await this.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
    const body = response.json();
    return { token: body.token, operatorId: body.operator.id, headers: { authorization: `Bearer ${body.token}` } };
  }

  /** Creates an operator with this role (as admin) and logs them in. */
  async operator(role: Role, name = `${role}-${randomBytes(3).toString('hex')}`): Promise<Session> {
    const admin = await this.login();
    const email = `${name}@crm.test`;
    const password = 'a-long-password';
    const response = await this.app.inject({ method: 'POST', url: '/api/v1/operators', headers: admin.headers, payload: { email, name, password, role } });
    if (response.statusCode !== 201) throw new Error(`creating operator failed: ${response.body}`);
    return this.login(email, password);
  }

  /** Creates an inbox (as admin); returns its id and secret. */
  async inbox(kind: 'api' | 'test', payload: Record<string, unknown> = {}): Promise<{ id: number; secret: string }> {
    const admin = await this.login();
    const response = await this.app.inject({ method: 'POST', url: '/api/v1/inboxes', headers: admin.headers, payload: { kind, name: `${kind} inbox`, ...payload } });
    if (response.statusCode !== 201) throw new Error(`creating inbox failed: ${response.body}`);
    return response.json();
  }

  /** The in-memory test channel of an inbox: make a customer write, see what was sent. */
  async testChannel(inboxId: number): Promise<TestAdapter> {
    const inbox = await this.runtime.orm.em.fork().findOneOrFail(Inbox, inboxId);
    return this.services.channels.adapterFor(inboxConfig(inbox)) as TestAdapter;
  }

  /** An operator socket, connected and authenticated with this session's token. */
  async socket(session: Session, extra: { origin?: string } = {}): Promise<Socket> {
    if (!this.url) await this.listen();
    const socket = connect(`${this.url}/operators`, { auth: { token: session.token }, transports: ['websocket'], reconnection: false, extraHeaders: extra.origin ? { origin: extra.origin } : undefined });
    this.#sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    // The server joins rooms just after the handshake; a round trip makes sure it has.
    await socket.timeout(5000).emitWithAck('sync', { since: 0 });
    return socket;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.disconnect();
    await this.app.close();
    await this.#workers?.close(2000);
    await this.runtime.close();
    if (this.#owned) {
      await clearRedisPrefix(this.runtime.redisHandle.target, this.config.REDIS_PREFIX);
      await this.database.drop();
      rmSync(this.config.DATA_DIR, { recursive: true, force: true });
    }
  }
}

/** Resolves with the next `event` on the socket, or rejects after `ms`. */
export function nextEvent<T = any>(socket: Socket, event: string, predicate: (payload: T) => boolean = () => true, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no "${event}" within ${ms} ms`));
    }, ms);
    const listener = (payload: T) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Polls until `check` returns a truthy value (for effects that happen in a worker). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, ms = 8000, every = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}
