import type { Redis } from 'ioredis';
import type { RateLimit } from '../channels/channel-adapter.ts';

/**
 * GCRA (the "generic cell rate algorithm", a leaky bucket kept as one timestamp per key): a key may send
 * `max` messages at once and then one every `perMs / max` ms. The key holds the theoretical arrival
 * time (TAT) of the next message, in ms on Redis's clock, so every worker process shares one bucket.
 * Answers 0 when the caller may send now (and books the slot), else how many ms to wait (booking nothing).
 */
const RESERVE = `
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait > 0 then return wait end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now + 1000))
return 0
`;

/** Send limits shared by every worker process through Redis (Telegram: 1/s per chat, 30/s per bot, etc.). */
export class RateLimiter {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = `${prefix}:send-rate:`;
  }

  /** Books a slot for `key` under `limit`: 0 means go now; otherwise the ms to wait before asking again. */
  async reserve(key: string, limit: RateLimit): Promise<number> {
    const interval = limit.perMs / limit.max;
    const tolerance = limit.perMs - interval;
    return (await this.#redis.eval(RESERVE, 1, this.#prefix + key, interval, tolerance)) as number;
  }

  /**
   * Books a slot under each limit in turn and stops at the first that says wait (returning its wait).
   * Slots booked before it are not given back, which only makes the next send a little more conservative.
   */
  async reserveAll(limits: { key: string; limit: RateLimit }[]): Promise<number> {
    for (const { key, limit } of limits) {
      const wait = await this.reserve(key, limit);
      if (wait > 0) return wait;
    }
    return 0;
  }
}
