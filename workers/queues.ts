import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

/** Queue names; each is prefixed with REDIS_PREFIX in Redis. */
export const SEND_MESSAGE_QUEUE = 'send-message';

export interface SendMessageJob {
  messageId: number;
}

/** The job id is derived from the message, so enqueuing the same reply twice makes one job. */
export const sendJobId = (messageId: number) => `message-${messageId}`;

export function sendJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'channel' },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export interface Queues {
  sendMessage: Queue<SendMessageJob>;
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix: string, attempts: number): Queues {
  const sendMessage = new Queue<SendMessageJob>(SEND_MESSAGE_QUEUE, { connection, prefix, defaultJobOptions: sendJobOptions(attempts) });
  return {
    sendMessage,
    close: () => sendMessage.close(),
  };
}
