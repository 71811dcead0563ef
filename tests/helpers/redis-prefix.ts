import { connectRedis, type RedisTarget } from '../../src/store/redis.ts';

/** Deletes a test's Redis keys (queues, adapter streams, caches) so leftovers never meet the next run. */
export async function clearRedisPrefix(target: RedisTarget, prefix: string): Promise<void> {
  const redis = connectRedis(target);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
