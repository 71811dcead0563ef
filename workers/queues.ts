import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

/** Queue names; each is prefixed with REDIS_PREFIX in Redis. Campaigns have queues of their own, so a large one never delays a reply. */
export const SEND_MESSAGE_QUEUE = 'send-message';
export const CAMPAIGN_QUEUE = 'campaign';
export const CAMPAIGN_SEND_QUEUE = 'campaign-send';

export interface SendMessageJob {
  messageId: number;
}

/** `expand`: stream the segment into the send ledger; `start`: a scheduled campaign's time has come. */
export interface CampaignJob {
  campaignId: number;
  generation?: number;
}

/** One send-ledger row to send. */
export interface CampaignSendJob {
  recipientId: number;
}

/** The job id is derived from the message, so enqueuing the same reply twice makes one job. */
export const sendJobId = (messageId: number) => `message-${messageId}`;
/**
 * The job of an operator's n-th "Retry" of a failed reply: the first job may still sit in Redis as completed (BullMQ
 * would then ignore an add under its id), so each attempt has an id of its own, derived from the attempt number kept
 * on the message (meta.retries), so re-queuing a stuck one after a restart makes no second job for it.
 */
export const retryJobId = (messageId: number, attempt: number) => `message-${messageId}-retry-${attempt}`;
/** How many times operators retried a reply (kept in its meta); 0 for its first attempt. */
export const retriesOf = (meta: unknown) => Number((meta as { retries?: unknown } | null | undefined)?.retries ?? 0);
/** The job id for a message's current attempt. */
export const attemptJobId = (messageId: number, meta: unknown) => {
  const attempt = retriesOf(meta);
  return attempt > 0 ? retryJobId(messageId, attempt) : sendJobId(messageId);
};
/** One job per ledger row per resume (a resumed campaign re-queues its waiting rows under fresh ids). */
export const campaignSendJobId = (recipientId: number, generation: number) => `recipient-${recipientId}-g${generation}`;

export function sendJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'channel' },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** Campaign sends: the ledger, not the job, is the record, so finished jobs leave Redis at once (memory stays flat). */
export function campaignSendJobOptions(attempts: number): JobsOptions {
  return { attempts, backoff: { type: 'channel' }, removeOnComplete: true, removeOnFail: { age: 24 * 3600, count: 10_000 } };
}

export interface Queues {
  sendMessage: Queue<SendMessageJob>;
  campaign: Queue<CampaignJob>;
  campaignSend: Queue<CampaignSendJob>;
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix: string, attempts: number, campaignAttempts = attempts): Queues {
  const sendMessage = new Queue<SendMessageJob>(SEND_MESSAGE_QUEUE, { connection, prefix, defaultJobOptions: sendJobOptions(attempts) });
  const campaign = new Queue<CampaignJob>(CAMPAIGN_QUEUE, { connection, prefix, defaultJobOptions: { attempts: 20, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } } });
  const campaignSend = new Queue<CampaignSendJob>(CAMPAIGN_SEND_QUEUE, { connection, prefix, defaultJobOptions: campaignSendJobOptions(campaignAttempts) });
  return {
    sendMessage,
    campaign,
    campaignSend,
    close: async () => {
      await Promise.all([sendMessage.close(), campaign.close(), campaignSend.close()]);
    },
  };
}
