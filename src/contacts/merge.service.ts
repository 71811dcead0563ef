import type { MikroORM } from '@mikro-orm/core';
import { badRequest, notFound } from '../errors.ts';
import { conversationDto, labelsOf } from '../inbox/dto.ts';
import type { InboxEvents } from '../inbox/events.ts';
import { Contact, ContactIdentity, ContactNote, ContactTag, Conversation } from '../store/entities/index.ts';
import type { ContactDto } from './contact-dto.ts';
import type { ContactsService } from './contacts.service.ts';

const FILLABLE = ['name', 'avatarUrl', 'birthday', 'language', 'timezone'] as const;

/**
 * Merges `sourceId` into `targetId` in one transaction: identities, conversations, notes and tags
 * move to the target, empty fields are filled from the source, and the source card is deleted.
 * If anything fails nothing moves.
 */
export class MergeService {
  readonly #orm: MikroORM;
  readonly #events: InboxEvents;
  readonly #contacts: ContactsService;

  constructor(orm: MikroORM, events: InboxEvents, contacts: ContactsService) {
    this.#orm = orm;
    this.#events = events;
    this.#contacts = contacts;
  }

  async merge(targetId: number, sourceId: number): Promise<ContactDto> {
    if (targetId === sourceId) throw badRequest('A card cannot be merged into itself');
    await this.#events.transaction(this.#orm.em.fork(), async (em, record) => {
      const [target, source] = await Promise.all([em.findOne(Contact, targetId, { populate: ['tags'] }), em.findOne(Contact, sourceId, { populate: ['tags'] })]);
      if (!target) throw notFound('Contact');
      if (!source) throw notFound('Contact to merge');

      for (const field of FILLABLE) if (target[field] == null && source[field] != null) target[field] = source[field];
      target.customFields = { ...source.customFields, ...target.customFields };
      if (source.lastActivityAt && (!target.lastActivityAt || source.lastActivityAt > target.lastActivityAt)) target.lastActivityAt = source.lastActivityAt;
      const targetTags = new Set(target.tags.getItems().map((t) => t.tag));
      for (const { tag } of source.tags.getItems()) if (!targetTags.has(tag)) em.create(ContactTag, { contact: target, tag });
      await em.flush();

      const movedIds = (await em.find(Conversation, { contact: source }, { fields: ['id'] })).map((c) => c.id);
      await em.nativeUpdate(ContactIdentity, { contact: source }, { contact: target });
      await em.nativeUpdate(ContactNote, { contact: source }, { contact: target });
      await em.nativeUpdate(Conversation, { contact: source }, { contact: target });
      await em.nativeDelete(ContactTag, { contact: source });
      await em.nativeDelete(Contact, { id: source.id });

      // Operators looking at the moved conversations must see their new card.
      const moved = await em.find(Conversation, { id: { $in: movedIds } }, { refresh: true });
      const labels = await labelsOf(em, moved.map((c) => c.id));
      for (const c of moved) record('conversation.updated', c.inbox.id, { conversation: conversationDto(c, labels.get(c.id) ?? []), mergedContactId: sourceId });
    });
    return this.#contacts.get(targetId);
  }
}
