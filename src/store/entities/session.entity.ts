import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Operator } from './operator.entity.ts';

/** A login. Only the SHA-256 of the token is stored, so a leaked table grants nothing. */
export const Session = defineEntity({
  name: 'Session',
  properties: {
    tokenHash: p.string().primary(),
    operator: () => p.manyToOne(Operator).deleteRule('cascade'),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime().index(),
  },
});
export type Session = InferEntity<typeof Session>;
