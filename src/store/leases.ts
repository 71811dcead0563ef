import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Lease, LeaseProvider } from '../../channels/channel-adapter.ts';

// Only the holder's token may extend or delete the key (the pattern in https://redis.io/docs/latest/develop/use/patterns/distributed-locks/).
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/**
 * Leases in Redis: `SET key token NX PX ttl`, renewed every third of the ttl by the holder. A holder that
 * cannot renew (Redis unreachable) gives the lease up before it can expire, so two processes never both
 * believe they hold it; a process that dies holding it is replaced once the ttl passes.
 */
export class RedisLeases implements LeaseProvider {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, prefix: string, ttlMs: number) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlMs = ttlMs;
  }

  async acquire(name: string, signal: AbortSignal): Promise<Lease | null> {
    const key = `${this.#prefix}:lease:${name}`;
    const token = randomUUID();
    while (!signal.aborted) {
      const taken = await this.#redis.set(key, token, 'PX', this.#ttlMs, 'NX').catch(() => null);
      if (taken === 'OK') return this.#hold(key, token);
      await sleep(Math.max(50, Math.floor(this.#ttlMs / 3)), signal);
    }
    return null;
  }

  #hold(key: string, token: string): Lease {
    const lost = new AbortController();
    const redis = this.#redis;
    const ttl = this.#ttlMs;
    let renewedAt = Date.now();
    const timer = setInterval(() => {
      // Not renewed for two thirds of the ttl: another process may take it soon, so stop acting as the holder now.
      if (Date.now() - renewedAt > (ttl * 2) / 3) return void lost.abort();
      redis.eval(RENEW, 1, key, token, ttl).then(
        (renewed) => (renewed === 1 ? (renewedAt = Date.now()) : lost.abort()),
        () => {},
      );
    }, Math.max(20, Math.floor(ttl / 3)));
    timer.unref();
    lost.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    return {
      lost: lost.signal,
      async release() {
        lost.abort();
        await redis.eval(RELEASE, 1, key, token).catch(() => {});
      },
    };
  }
}
