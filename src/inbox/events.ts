import { EventEmitter } from 'node:events';
import type { EntityManager } from '@mikro-orm/core';
import { insertRows } from '../store/insert-rows.ts';
import { InboxEvent } from '../store/entities/index.ts';

export const INBOX_EVENT_TYPES = ['message.created', 'message.updated', 'conversation.created', 'conversation.updated', 'contact.updated'] as const;
export type InboxEventType = (typeof INBOX_EVENT_TYPES)[number];

/** What operators receive: the event log row, with the id they use to catch up after a reconnect. */
export interface PublishedEvent {
  id: number;
  type: InboxEventType;
  inboxId: number;
  payload: Record<string, unknown>;
  createdAt: string;
}

export type RecordEvent = (type: InboxEventType, inboxId: number, payload: Record<string, unknown>) => void;

/**
 * Every change operators must see goes through `transaction`: the change and its event rows
 * commit together, and only after the commit are the events handed to listeners (the gateway).
 * So an event is never pushed for a change that rolled back, and never lost for one that committed.
 */
export class InboxEvents {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  async transaction<T>(em: EntityManager, work: (em: EntityManager, record: RecordEvent) => Promise<T>): Promise<T> {
    let published: PublishedEvent[] = [];
    const result = await em.transactional(async (tx) => {
      const rows: Omit<PublishedEvent, 'id' | 'createdAt'>[] = [];
      const value = await work(tx, (type, inboxId, payload) => void rows.push({ type, inboxId, payload }));
      await tx.flush();
      // One statement for all of a transaction's events, outside the unit of work: this is every write's hot path.
      const createdAt = new Date();
      const ids = await insertRows(tx, InboxEvent, rows.map((row) => ({ ...row, createdAt })));
      published = rows.map((row, i) => ({ ...row, id: ids[i]!, createdAt: createdAt.toISOString() }));
      return value;
    });
    for (const event of published) this.publish(event);
    return result;
  }

  publish(event: PublishedEvent): void {
    this.#emitter.emit('event', event);
  }

  subscribe(listener: (event: PublishedEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}

export const toPublished = (row: InboxEvent): PublishedEvent => ({
  id: row.id,
  type: row.type as InboxEventType,
  inboxId: row.inboxId,
  payload: row.payload,
  createdAt: row.createdAt.toISOString(),
});
