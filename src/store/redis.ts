import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.ts';

/** Where Redis is: a URL, or a private server's unix socket. */
export type RedisTarget = { url: string } | { path: string };

export interface RedisHandle {
  target: RedisTarget;
  /** Set for the private redis-server: saves and stops it (called last on shutdown). */
  stop?: () => Promise<void>;
  /** The private redis-server we started this time, if any. */
  child?: ChildProcess;
}

/** Asks a private server to save and exit, and waits until it no longer answers. */
async function shutdown(target: RedisTarget): Promise<void> {
  const client = connectRedis(target, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  await client.call('shutdown', 'save').catch(() => {});
  client.disconnect();
}

/** A new connection. BullMQ needs `maxRetriesPerRequest: null` so blocking commands never time out. */
export function connectRedis(target: RedisTarget, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra };
  return 'url' in target ? new Redis(target.url, options) : new Redis({ ...options, path: target.path });
}

async function answers(target: RedisTarget, timeoutMs = 700): Promise<boolean> {
  const probe = connectRedis(target, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * `REDIS_URL` if set; else a Redis already on 127.0.0.1:6379; else a private `redis-server`
 * on a unix socket under DATA_DIR, so `npm start` works on a laptop with nothing set up.
 * `probeUrl` is where to look for an already running Redis (tests point it at a closed port).
 */
export async function locateRedis(config: Config, log: (line: string) => void, probeUrl = 'redis://127.0.0.1:6379'): Promise<RedisHandle> {
  if (config.REDIS_URL) return { target: { url: config.REDIS_URL } };
  const local = { url: probeUrl };
  if (await answers(local)) return { target: local };

  const dir = resolve(config.DATA_DIR, 'redis');
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, 'redis.sock');
  // One left running by a run that was killed: use it rather than start a second on the same socket.
  if (await answers({ path })) {
    log(`using the private redis-server already running on ${path}`);
    return { target: { path }, stop: () => shutdown({ path }) };
  }
  // Its own process group, so Ctrl-C reaches only us and we can still drain jobs before stopping it.
  const child = spawn('redis-server', ['--port', '0', '--unixsocket', path, '--unixsocketperm', '700', '--dir', dir, '--save', '60 1', '--appendonly', 'no'], { stdio: 'ignore', detached: true });
  const started = await new Promise<boolean>((done) => {
    child.once('error', () => done(false));
    child.once('spawn', () => done(true));
  });
  if (!started) {
    throw new Error('Redis is not reachable: set REDIS_URL, run Redis on 127.0.0.1:6379, or install redis-server (Debian: apt-get install redis-server) so one can be started for you.');
  }
  for (let i = 0; i < 50; i++) {
    if (await answers({ path }, 200)) {
      log(`started a private redis-server (pid ${child.pid}) on ${path}`);
      return { target: { path }, child, stop: () => shutdown({ path }) };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`redis-server was started but did not answer on ${path}; see its log or set REDIS_URL.`);
}
