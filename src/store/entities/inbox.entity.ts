import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Operator } from './operator.entity.ts';
import { Team } from './team.entity.ts';

/** One configured channel account: a bot, a mailbox, a WhatsApp number, a widget, an API integration. */
export const Inbox = defineEntity({
  name: 'Inbox',
  properties: {
    id: p.integer().primary(),
    kind: p.string(),
    name: p.string(),
    /** Channel settings (URLs, options); credentials live in `secret`. */
    settings: p.json<Record<string, unknown>>().default('{}'),
    /** The inbox's own secret: the API channel's token and callback signing key. Never serialised. */
    secret: p.string().hidden(),
    /** What the admin gives us to reach the channel (a bot token, a mailbox password). Write-only over the API. */
    credentials: p.json<Record<string, string>>().default('{}').hidden(),
    members: () => p.manyToMany(Operator).pivotTable('inbox_member'),
    teams: () => p.manyToMany(Team).pivotTable('inbox_team'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type Inbox = InferEntity<typeof Inbox>;
