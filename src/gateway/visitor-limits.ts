import type { Redis } from 'ioredis';

/**
 * Fixed-window counters in Redis, shared by every server node, for what widget visitors may do:
 * per visitor and per IP address, so neither one visitor nor one address opening many can flood an inbox.
 */
export class VisitorLimits {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = `${prefix}:widget-limit`;
  }

  /** Counts one hit; `ok: false` with how long until the window ends once `max` is passed. */
  async hit(name: string, id: string, max: number, windowMs: number): Promise<{ ok: boolean; retryAfterMs: number }> {
    const window = Math.floor(Date.now() / windowMs);
    const key = `${this.#prefix}:${name}:${id}:${window}`;
    const [[, count]] = (await this.#redis.multi().incr(key).pexpire(key, windowMs).exec()) as [[unknown, number], unknown];
    return { ok: count <= max, retryAfterMs: (window + 1) * windowMs - Date.now() };
  }
}
