import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Leases } from '../../channels/channel-manager.ts';

// Renew and release only a lease this process still holds: after a pause longer than the TTL another
// process may own it now, and must not lose it to us.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Leases in Redis (SET NX PX), so among all server processes exactly one holds each key at a time. */
export class RedisLeases implements Leases {
  readonly #redis: Redis;
  readonly #prefix: string;
  /** This process; a lease it holds carries this value. */
  readonly #owner = randomUUID();

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = `${prefix}:lease:`;
  }

  async acquire(key: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(this.#prefix + key, this.#owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async renew(key: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.eval(RENEW, 1, this.#prefix + key, this.#owner, ttlMs)) === 1;
  }

  async release(key: string): Promise<void> {
    await this.#redis.eval(RELEASE, 1, this.#prefix + key, this.#owner);
  }
}
