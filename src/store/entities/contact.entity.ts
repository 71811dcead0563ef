import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { ContactIdentity } from './contact-identity.entity.ts';
import { ContactNote } from './contact-note.entity.ts';
import { ContactTag } from './contact-tag.entity.ts';

/** The client card: one person, however many channels they write from. */
export const Contact = defineEntity({
  name: 'Contact',
  properties: {
    id: p.integer().primary(),
    name: p.string().nullable(),
    avatarUrl: p.text().nullable(),
    birthday: p.string().nullable(),
    language: p.string().nullable(),
    timezone: p.string().nullable(),
    customFields: p.json<Record<string, unknown>>().default('{}'),
    identities: () => p.oneToMany(ContactIdentity).mappedBy('contact'),
    tags: () => p.oneToMany(ContactTag).mappedBy('contact'),
    notes: () => p.oneToMany(ContactNote).mappedBy('contact'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    lastActivityAt: p.datetime().nullable(),
  },
});
export type Contact = InferEntity<typeof Contact>;
