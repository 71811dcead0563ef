import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisLeases } from '../../src/store/leases.ts';
import { REDIS_URL } from '../helpers/test-server.ts';

const redis = new Redis(REDIS_URL);
const prefix = `crm-test-${randomBytes(6).toString('hex')}`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('receiver leases in Redis', () => {
  it('lets one process hold a lease; the next gets it once it is released', async () => {
    const [first, second] = [new RedisLeases(redis, prefix, 600), new RedisLeases(redis, prefix, 600)];
    const stop = new AbortController();
    const held = await first.acquire('inbox-1', stop.signal);
    expect(held).not.toBeNull();
    let secondHolds = false;
    const waiting = second.acquire('inbox-1', stop.signal).then((lease) => ((secondHolds = true), lease));
    await new Promise((r) => setTimeout(r, 1500)); // well past the ttl: the holder keeps renewing it
    expect(secondHolds).toBe(false);
    expect(held!.lost.aborted).toBe(false);
    await held!.release();
    const next = await waiting;
    expect(next).not.toBeNull();
    await next!.release();
  });

  it('passes a lease on when its holder dies without releasing it', async () => {
    // A holder whose Redis connection is gone cannot renew: as when its process died.
    const doomed = new Redis(REDIS_URL);
    const stop = new AbortController();
    const held = await new RedisLeases(doomed, prefix, 500).acquire('inbox-2', stop.signal);
    doomed.disconnect();
    const taken = await new RedisLeases(redis, prefix, 500).acquire('inbox-2', stop.signal);
    expect(taken).not.toBeNull();
    // The old holder stopped believing it holds the lease before it could expire.
    expect(held!.lost.aborted).toBe(true);
    await taken!.release();
  });

  it('gives up waiting when asked to stop', async () => {
    const stop = new AbortController();
    const held = await new RedisLeases(redis, prefix, 600).acquire('inbox-3', stop.signal);
    const waiting = new RedisLeases(redis, prefix, 600).acquire('inbox-3', stop.signal);
    stop.abort();
    expect(await waiting).toBeNull();
    await held!.release();
  });
});
