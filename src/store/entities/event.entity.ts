import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * The inbox event log: written in the same transaction as the change it describes,
 * so an operator who reconnects can ask for everything after the last id it saw.
 */
export const InboxEvent = defineEntity({
  name: 'InboxEvent',
  tableName: 'inbox_event',
  properties: {
    id: p.integer().primary(),
    type: p.string(),
    inboxId: p.integer().index(),
    payload: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()).index(),
  },
});
export type InboxEvent = InferEntity<typeof InboxEvent>;
