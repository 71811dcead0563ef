import type { Redis } from 'ioredis';

/**
 * Tells every process that an inbox was created, changed or deleted (Redis pub/sub), so each one rebuilds
 * or drops its adapter. Without this a server started earlier would keep receiving a mailbox with its old
 * settings, or never take over receiving an inbox created on another server.
 */
export class InboxChanges {
  readonly #redis: Redis;
  readonly #channel: string;
  #subscriber?: Redis;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#channel = `${prefix}:inbox-changed`;
  }

  async publish(inboxId: number): Promise<void> {
    // The process that made the change has already applied it; the others catch up on their next start at worst.
    await this.#redis.publish(this.#channel, String(inboxId)).catch(() => {});
  }

  /** Calls `onChange` with the id of every inbox changed from now on, by any process (this one included). */
  async follow(onChange: (inboxId: number) => Promise<void>): Promise<void> {
    if (this.#subscriber) return;
    const subscriber = this.#redis.duplicate();
    this.#subscriber = subscriber;
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, message: string) => {
      const id = Number(message);
      if (Number.isInteger(id)) onChange(id).catch(() => {});
    });
    await subscriber.subscribe(this.#channel);
  }

  async close(): Promise<void> {
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }
}
