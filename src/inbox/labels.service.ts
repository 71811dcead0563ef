import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { conflict, notFound } from '../errors.ts';
import { Conversation, ConversationLabel, Label } from '../store/entities/index.ts';
import { flushOrConflict } from '../store/flush.ts';
import { conversationDto, labelsOf } from './dto.ts';
import type { InboxEvents, RecordEvent } from './events.ts';

export interface LabelInput {
  name?: string;
  color?: string;
  description?: string | null;
}

export const labelDto = (l: Label) => ({ id: l.id, name: l.name, color: l.color, description: l.description ?? null });
export type LabelDto = ReturnType<typeof labelDto>;

/** Past this many affected conversations a rename announces nothing per conversation: lists refresh on their next load. */
const ANNOUNCE_AT_MOST = 500;

/**
 * The managed label catalogue. Renaming or deleting a label changes every conversation that carries it,
 * in the same transaction as the catalogue row, and tells operators' lists about each one.
 */
export class LabelsService {
  readonly #orm: MikroORM;
  readonly #events: InboxEvents;

  constructor(orm: MikroORM, events: InboxEvents) {
    this.#orm = orm;
    this.#events = events;
  }

  async list(): Promise<LabelDto[]> {
    return (await this.#orm.em.fork().find(Label, {}, { orderBy: { name: 'asc' } })).map(labelDto);
  }

  async create(input: Required<Pick<LabelInput, 'name' | 'color'>> & LabelInput): Promise<LabelDto> {
    const em = this.#orm.em.fork();
    const label = em.create(Label, { name: input.name.trim(), color: input.color.toLowerCase(), description: input.description ?? null });
    await flushOrConflict(em, `A label named "${label.name}" exists already`);
    return labelDto(label);
  }

  async update(id: number, input: LabelInput): Promise<LabelDto> {
    return this.#events.transaction(this.#orm.em.fork(), async (em, record) => {
      const label = await em.findOne(Label, id);
      if (!label) throw notFound('Label');
      const from = label.name;
      const to = input.name?.trim();
      if (input.color !== undefined) label.color = input.color.toLowerCase();
      if (input.description !== undefined) label.description = input.description;
      if (to !== undefined && to !== from) {
        if (await em.count(Label, { name: to, id: { $ne: id } })) throw conflict(`A label named "${to}" exists already`);
        label.name = to;
        const touched = await conversationsLabelled(em, from);
        // A conversation that already carries the new name keeps that one row (the pair is unique).
        const both = (await em.find(ConversationLabel, { label: to, conversation: { $in: touched } }, { fields: ['conversation'] })).map((r) => r.conversation.id);
        if (both.length) await em.nativeDelete(ConversationLabel, { label: from, conversation: { $in: both } });
        await em.nativeUpdate(ConversationLabel, { label: from }, { label: to });
        await announce(em, record, touched);
      }
      await flushOrConflict(em, `A label named "${to}" exists already`);
      return labelDto(label);
    });
  }

  async remove(id: number): Promise<void> {
    await this.#events.transaction(this.#orm.em.fork(), async (em, record) => {
      const label = await em.findOne(Label, id);
      if (!label) throw notFound('Label');
      const touched = await conversationsLabelled(em, label.name);
      await em.nativeDelete(ConversationLabel, { label: label.name });
      em.remove(label);
      await announce(em, record, touched);
    });
  }
}

const conversationsLabelled = async (em: EntityManager, name: string) =>
  (await em.find(ConversationLabel, { label: name }, { fields: ['conversation'] })).map((r) => r.conversation.id);

async function announce(em: EntityManager, record: RecordEvent, ids: number[]): Promise<void> {
  if (ids.length === 0 || ids.length > ANNOUNCE_AT_MOST) return;
  const conversations = await em.find(Conversation, { id: { $in: ids } });
  const labels = await labelsOf(em, ids);
  for (const c of conversations) record('conversation.updated', c.inbox.id, { conversation: conversationDto(c, labels.get(c.id) ?? []) });
}
