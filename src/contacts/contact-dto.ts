import type { Contact, ContactIdentity, ContactNote } from '../store/entities/index.ts';

export const identityDto = (i: ContactIdentity) => ({ id: i.id, kind: i.kind, value: i.value, unreachableReason: i.unreachableReason ?? null });

export const noteDto = (n: ContactNote) => ({ id: n.id, body: n.body, authorId: n.author?.id ?? null, createdAt: n.createdAt.toISOString() });

/** A client card with its identities and tags loaded. */
export const contactDto = (c: Contact) => ({
  id: c.id,
  name: c.name ?? null,
  avatarUrl: c.avatarUrl ?? null,
  birthday: c.birthday ?? null,
  language: c.language ?? null,
  timezone: c.timezone ?? null,
  customFields: c.customFields,
  tags: c.tags.isInitialized() ? c.tags.getItems().map((t) => t.tag).sort() : [],
  identities: c.identities.isInitialized() ? c.identities.getItems().map(identityDto) : [],
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
  lastActivityAt: c.lastActivityAt?.toISOString() ?? null,
});
export type ContactDto = ReturnType<typeof contactDto>;
