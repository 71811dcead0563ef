import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import type { InboxConfig } from '../channels/channel-adapter.ts';
import { createQueues, type Queues } from '../workers/queues.ts';
import type { Config } from './config.ts';
import { inboxConfig } from './inbox/inboxes.service.ts';
import { createServices, type Services } from './services.ts';
import { Inbox } from './store/entities/index.ts';
import { openOrm } from './store/orm.ts';
import { connectRedis, locateRedis, type RedisHandle } from './store/redis.ts';

export interface Runtime {
  orm: MikroORM;
  redis: Redis;
  redisHandle: RedisHandle;
  queues: Queues;
  services: Services;
  /** Closes everything this runtime opened, in reverse order. */
  close(): Promise<void>;
}

/** What the server and the worker process share: Redis (found or started), the migrated database, queues and services. */
export async function boot(config: Config, log: (line: string) => void): Promise<Runtime> {
  const redisHandle = await locateRedis(config, log);
  const orm = await openOrm(config);
  const redis = connectRedis(redisHandle.target);
  const queues = createQueues(redis, config.REDIS_PREFIX, config.SEND_ATTEMPTS, config.CAMPAIGN_SEND_ATTEMPTS);
  const services = createServices({ config, orm, queues, redis });
  return {
    orm,
    redis,
    redisHandle,
    queues,
    services,
    async close() {
      services.progress.stop();
      await services.inboxChanges.close();
      await services.channels.stopAll();
      await queues.close();
      redis.disconnect();
      await orm.close();
      await redisHandle.stop?.();
    },
  };
}

export async function allInboxes(orm: MikroORM): Promise<InboxConfig[]> {
  return (await orm.em.fork().find(Inbox, {})).map(inboxConfig);
}

/**
 * Starts receiving on every inbox (server processes only), and follows inbox changes made by any process:
 * receivers that hold a connection then run in one process at a time, under a lease (see RedisLeases).
 */
export async function startReceiving(runtime: Pick<Runtime, 'orm' | 'services'>): Promise<void> {
  const { orm, services } = runtime;
  await services.channels.start(await allInboxes(orm), services.sink);
  await services.inboxChanges.follow(async (inboxId) => {
    const inbox = await orm.em.fork().findOne(Inbox, inboxId);
    if (inbox) await services.channels.refresh(inboxConfig(inbox));
    else await services.channels.remove(inboxId);
  });
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits. */
export function onShutdown(stop: () => Promise<void>, log: (line: string) => void): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: shutting down`);
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}
