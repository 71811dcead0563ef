import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { InboundSink, InboxConfig } from '../../channels/channel-adapter.ts';
import { ChannelManager, type Leases } from '../../channels/channel-manager.ts';
import type { TestAdapter } from '../../channels/test/test.adapter.ts';
import { AttachmentStore } from '../../src/store/attachment-store.ts';
import { RedisLeases } from '../../src/store/redis-leases.ts';
import { testAdapterContext } from '../helpers/channel-context.ts';
import { eventually, REDIS_URL } from '../helpers/test-server.ts';

const TTL_MS = 600;
const redis = new Redis(REDIS_URL);
const prefix = `crm-test-${randomBytes(6).toString('hex')}`;
const sink: InboundSink = { message: async () => {}, status: async () => {}, edit: async () => {} };
const context = testAdapterContext({ callbackTimeoutMs: 1000, attachments: new AttachmentStore('/tmp/unused', 1024) });
const inbox = (id: number): InboxConfig => ({ id, kind: 'test', name: 'connection', settings: { singleReceiver: true }, secret: 's', credentials: {}, updatedAt: new Date(0) });

/** A server process: its own channel manager, sharing leases with the others through one Redis prefix. */
const managers: ChannelManager[] = [];
function serverProcess(leases: Leases = new RedisLeases(redis, prefix)) {
  const manager = new ChannelManager(context, leases, { leaseTtlMs: TTL_MS });
  managers.push(manager);
  return { manager, receiving: (id: number) => (manager.running(id) as TestAdapter | undefined)?.receiving === true };
}

afterEach(async () => {
  for (const manager of managers.splice(0)) await manager.stopAll();
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('channel manager with connection-holding channels', () => {
  it('receives an inbox in one server process only', async () => {
    const a = serverProcess();
    const b = serverProcess();
    await a.manager.start([inbox(1)], sink);
    await b.manager.start([inbox(1)], sink);
    expect([a.receiving(1), b.receiving(1)]).toEqual([true, false]);
    // Both can still send: only receiving is exclusive.
    expect(b.manager.running(1)).toBeDefined();
  });

  it('hands the inbox to another process when the receiving one shuts down', async () => {
    const a = serverProcess();
    const b = serverProcess();
    await a.manager.start([inbox(2)], sink);
    await b.manager.start([inbox(2)], sink);
    await a.manager.stopAll();
    await eventually(async () => b.receiving(2), 3000, 20);
  });

  it('takes over an inbox whose receiving process died without letting go', async () => {
    let crashed = false;
    const real = new RedisLeases(redis, prefix);
    // After the crash the process neither renews nor releases: its lease must run out by itself.
    const dying: Leases = {
      acquire: (key, ttl) => (crashed ? Promise.reject(new Error('dead')) : real.acquire(key, ttl)),
      renew: (key, ttl) => (crashed ? Promise.reject(new Error('dead')) : real.renew(key, ttl)),
      release: (key) => (crashed ? Promise.reject(new Error('dead')) : real.release(key)),
    };
    const a = serverProcess(dying);
    const b = serverProcess();
    await a.manager.start([inbox(3)], sink);
    await b.manager.start([inbox(3)], sink);
    crashed = true;
    expect(b.receiving(3)).toBe(false);
    await eventually(async () => b.receiving(3), 4 * TTL_MS, 20);
  });

  it('stops receiving when its lease was lost to another process', async () => {
    const a = serverProcess();
    await a.manager.start([inbox(4)], sink);
    expect(a.receiving(4)).toBe(true);
    // As after a long pause: the lease expired and someone else took it.
    await redis.set(`${prefix}:lease:receiver:4`, 'another-process', 'PX', 60_000);
    await eventually(async () => !a.receiving(4), 3000, 20);
  });

  it('receives in every process for a channel that does not hold a connection', async () => {
    const a = serverProcess();
    const b = serverProcess();
    const webhookInbox = { ...inbox(5), settings: {} };
    await a.manager.start([webhookInbox], sink);
    await b.manager.start([webhookInbox], sink);
    expect([a.receiving(5), b.receiving(5)]).toEqual([true, true]);
  });
});
