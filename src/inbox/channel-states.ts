import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { ChannelStateEvent } from '../../channels/channel-adapter.ts';

/** An inbox's connection state as admins see it (REST and the `inbox.state` socket event). */
export interface ChannelStateDto {
  inboxId: number;
  status: string;
  detail: string | null;
  at: string;
}

const toDto = (event: ChannelStateEvent): ChannelStateDto => ({ inboxId: event.inboxId, status: event.status, detail: event.detail ?? null, at: event.at.toISOString() });

/**
 * The latest connection state of every inbox, in one Redis hash so every server process answers
 * the same (the state is reported by whichever process receives for the inbox). Each report is
 * also handed to local listeners: the gateway pushes it to admins.
 */
export class ChannelStates {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}:channel-state`;
  }

  async report(event: ChannelStateEvent): Promise<void> {
    const dto = toDto(event);
    // A state is a courtesy to admins: Redis being away must never stop a channel from receiving.
    await this.#redis.hset(this.#key, String(event.inboxId), JSON.stringify(dto)).catch(() => {});
    this.#emitter.emit('state', dto);
  }

  async all(): Promise<Map<number, ChannelStateDto>> {
    const raw = await this.#redis.hgetall(this.#key).catch(() => ({}) as Record<string, string>);
    return new Map(Object.entries(raw).map(([id, json]) => [Number(id), JSON.parse(json) as ChannelStateDto]));
  }

  async get(inboxId: number): Promise<ChannelStateDto | null> {
    const json = await this.#redis.hget(this.#key, String(inboxId)).catch(() => null);
    return json ? (JSON.parse(json) as ChannelStateDto) : null;
  }

  async remove(inboxId: number): Promise<void> {
    await this.#redis.hdel(this.#key, String(inboxId)).catch(() => {});
  }

  subscribe(listener: (state: ChannelStateDto) => void): () => void {
    this.#emitter.on('state', listener);
    return () => this.#emitter.off('state', listener);
  }
}
