import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Operator } from './operator.entity.ts';

/** A group of operators; conversations can be assigned to a team and inboxes opened to one. */
export const Team = defineEntity({
  name: 'Team',
  properties: {
    id: p.integer().primary(),
    name: p.string().unique(),
    members: () => p.manyToMany(Operator).pivotTable('team_member'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Team = InferEntity<typeof Team>;
