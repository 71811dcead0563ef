import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Services } from '../src/services.ts';
import { startSendWorker } from './send-message.worker.ts';

const MAINTENANCE_QUEUE = 'maintenance';
const WAKE_EVERY_MS = 15_000;

export interface RunningWorkers {
  /** Stops taking jobs and waits up to `timeoutMs` for the ones in flight, then forces the rest. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Starts the send-message worker and the maintenance schedule (waking snoozed conversations).
 * Runs in the server process by default, or alone with `npm run worker` to scale out.
 */
export async function startWorkers(services: Services, connection: Redis, log: (line: string) => void): Promise<RunningWorkers> {
  const { config } = services;
  const prefix = config.REDIS_PREFIX;
  const send = startSendWorker(services, connection, prefix, config.WORKER_CONCURRENCY);
  send.on('error', (error) => log(`send worker: ${error.message}`));

  // One schedule across all worker processes: BullMQ's job scheduler keeps a single repeating job.
  const maintenance = new Queue(MAINTENANCE_QUEUE, { connection, prefix });
  await maintenance.upsertJobScheduler('wake-snoozed', { every: WAKE_EVERY_MS }, { name: 'wake-snoozed', opts: { removeOnComplete: true, removeOnFail: 100 } });
  const maintainer = new Worker(MAINTENANCE_QUEUE, async () => services.conversations.wakeSnoozed(), { connection, prefix, concurrency: 1 });
  maintainer.on('error', (error) => log(`maintenance worker: ${error.message}`));

  const requeued = await services.replies.requeueStuck();
  if (requeued > 0) log(`re-queued ${requeued} reply(ies) left queued`);

  return {
    async close(timeoutMs) {
      const graceful = Promise.all([send.close(), maintainer.close()]);
      const timedOut = await Promise.race([graceful.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref())]);
      if (timedOut) {
        log(`workers did not drain within ${timeoutMs} ms; stopping the rest (their jobs are retried by another worker)`);
        // BullMQ's close() returns the close already under way, so close(true) here would wait for the same jobs.
        // Stop waiting instead: the process exits, their locks expire, and another worker takes them as stalled.
        graceful.catch((error: Error) => log(`closing workers: ${error.message}`));
      }
      await maintenance.close();
    },
  };
}
