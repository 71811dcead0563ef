import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const ROLES = ['admin', 'operator', 'marketer'] as const;
export type Role = (typeof ROLES)[number];

/** A person who works in the app: admins manage it, operators answer customers, marketers run campaigns. */
export const Operator = defineEntity({
  name: 'Operator',
  properties: {
    id: p.integer().primary(),
    email: p.string().unique(),
    name: p.string(),
    passwordHash: p.string().hidden(),
    role: p.enum(ROLES),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Operator = InferEntity<typeof Operator>;
