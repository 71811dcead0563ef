import type { EntityManager, FilterQuery, MikroORM } from '@mikro-orm/core';
import { badRequest } from '../errors.ts';
import { Contact, Conversation, ConversationLabel, Message, Operator, Team, type ConversationStatus } from '../store/entities/index.ts';
import { canSeeInbox, conversationFor, visibleInboxIds, type Actor } from './access.ts';
import { searchCondition } from './conversation-search.ts';
import { afterPosition, decodeCursor, page } from './cursor.ts';
import { conversationDto, conversationWithLabels, labelsOf, messageDto, type ContactSummaryDto, type ConversationDto, type MessageDto } from './dto.ts';
import type { InboxEvents, RecordEvent } from './events.ts';

export interface ConversationFilter {
  status?: ConversationStatus;
  inboxId?: number;
  /** An operator id, `me`, or `none` for unassigned. */
  assignee?: number | 'me' | 'none';
  teamId?: number;
  label?: string;
  unread?: boolean;
  contactId?: number;
  /** Free text: matches the contact's name, phone or email, or the text of any message in the conversation. */
  q?: string;
  cursor?: string;
  limit: number;
}

export interface ConversationChanges {
  status?: ConversationStatus;
  snoozedUntil?: string;
  assigneeId?: number | null;
  teamId?: number | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What operators do to conversations: list, read, assign, change status, label. */
export class ConversationService {
  readonly #orm: MikroORM;
  readonly #events: InboxEvents;

  constructor(orm: MikroORM, events: InboxEvents) {
    this.#orm = orm;
    this.#events = events;
  }

  async list(actor: Actor, filter: ConversationFilter): Promise<Page<ConversationDto & { contact: ContactSummaryDto | null }>> {
    const em = this.#orm.em.fork();
    const visible = await visibleInboxIds(em, actor);
    const where: FilterQuery<Conversation>[] = [];
    if (visible !== null) where.push({ inbox: { $in: visible } });
    if (filter.inboxId !== undefined) where.push({ inbox: filter.inboxId });
    if (filter.status) where.push({ status: filter.status });
    if (filter.assignee === 'none') where.push({ assignee: null });
    else if (filter.assignee !== undefined) where.push({ assignee: filter.assignee === 'me' ? actor.id : filter.assignee });
    if (filter.teamId !== undefined) where.push({ team: filter.teamId });
    if (filter.label) where.push({ labels: { label: filter.label } });
    if (filter.unread !== undefined) where.push({ unreadCount: filter.unread ? { $gt: 0 } : 0 });
    if (filter.contactId !== undefined) where.push({ contact: filter.contactId });
    if (filter.q?.trim()) where.push(searchCondition(em, filter.q));
    if (filter.cursor) where.push(afterPosition('lastActivityAt', decodeCursor(filter.cursor)));

    const rows = await em.find(Conversation, { $and: where }, { orderBy: { lastActivityAt: 'desc', id: 'desc' }, limit: filter.limit + 1 });
    const { items, nextCursor } = page(rows, filter.limit, (c) => c.lastActivityAt);
    const labels = await labelsOf(em, items.map((c) => c.id));
    // The card's name and avatar ride along, so a list shows who wrote without a request per row.
    const contacts = new Map((await em.find(Contact, { id: { $in: [...new Set(items.map((c) => c.contact.id))] } }, { fields: ['id', 'name', 'avatarUrl'] })).map((c) => [c.id, { id: c.id, name: c.name ?? null, avatarUrl: c.avatarUrl ?? null }]));
    return { items: items.map((c) => ({ ...conversationDto(c, labels.get(c.id) ?? []), contact: contacts.get(c.contact.id) ?? null })), nextCursor };
  }

  async get(actor: Actor, id: number): Promise<ConversationDto> {
    const em = this.#orm.em.fork();
    return conversationWithLabels(em, await conversationFor(em, actor, id));
  }

  /** Messages oldest-first within a page; the cursor walks back into history. */
  async messages(actor: Actor, id: number, options: { cursor?: string; limit: number }): Promise<Page<MessageDto>> {
    const em = this.#orm.em.fork();
    const conversation = await conversationFor(em, actor, id);
    const where: FilterQuery<Message>[] = [{ conversation }];
    if (options.cursor) where.push(afterPosition('createdAt', decodeCursor(options.cursor)));
    const rows = await em.find(Message, { $and: where }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: options.limit + 1 });
    const { items, nextCursor } = page(rows, options.limit, (m) => m.createdAt);
    return { items: items.reverse().map(messageDto), nextCursor };
  }

  async update(actor: Actor, id: number, changes: ConversationChanges): Promise<ConversationDto> {
    return this.#change(actor, id, async (em, conversation) => {
      if (changes.status !== undefined) {
        if (changes.status === 'snoozed') {
          const until = changes.snoozedUntil ? new Date(changes.snoozedUntil) : null;
          if (!until || until.getTime() <= Date.now()) throw badRequest('Snoozing needs a snoozedUntil time in the future');
          conversation.snoozedUntil = until;
        } else {
          conversation.snoozedUntil = null;
        }
        conversation.status = changes.status;
      } else if (changes.snoozedUntil !== undefined) {
        throw badRequest('snoozedUntil goes with status "snoozed"');
      }
      if (changes.assigneeId !== undefined) {
        if (changes.assigneeId === null) conversation.assignee = null;
        else {
          const assignee = await em.findOne(Operator, { id: changes.assigneeId, active: true });
          if (!assignee || assignee.role === 'marketer' || !(await canSeeInbox(em, assignee, conversation.inbox.id))) {
            throw badRequest('That operator cannot be assigned: they do not exist or cannot see this inbox');
          }
          conversation.assignee = assignee;
        }
      }
      if (changes.teamId !== undefined) {
        if (changes.teamId === null) conversation.team = null;
        else {
          const team = await em.findOne(Team, changes.teamId);
          if (!team) throw badRequest('That team does not exist');
          conversation.team = team;
        }
      }
    });
  }

  async addLabels(actor: Actor, id: number, labels: string[]): Promise<ConversationDto> {
    return this.#change(actor, id, async (em, conversation) => {
      const rows = [...new Set(labels.map((l) => l.trim()).filter(Boolean))].map((label) => ({ conversation, label }));
      // ON CONFLICT DO NOTHING: two operators adding the same label at once both succeed (a read-then-insert raced into a 500).
      if (rows.length) await em.upsertMany(ConversationLabel, rows, { onConflictFields: ['conversation', 'label'], onConflictAction: 'ignore' });
    });
  }

  async removeLabel(actor: Actor, id: number, label: string): Promise<ConversationDto> {
    return this.#change(actor, id, async (em, conversation) => {
      await em.nativeDelete(ConversationLabel, { conversation, label });
    });
  }

  async markRead(actor: Actor, id: number): Promise<ConversationDto> {
    return this.#change(actor, id, async (_em, conversation) => {
      conversation.unreadCount = 0;
    });
  }

  /** Reopens every conversation whose snooze has run out; called periodically by the workers. */
  async wakeSnoozed(now = new Date()): Promise<number> {
    return this.#events.transaction(this.#orm.em.fork(), async (em, record) => {
      const due = await em.find(Conversation, { status: 'snoozed', snoozedUntil: { $lte: now } }, { limit: 1000 });
      for (const conversation of due) {
        conversation.status = 'open';
        conversation.snoozedUntil = null;
      }
      await em.flush();
      await announce(em, record, due);
      return due.length;
    });
  }

  /** Loads a conversation the actor may see, applies a change, and announces the result. */
  async #change(actor: Actor, id: number, apply: (em: EntityManager, conversation: Conversation) => Promise<void>): Promise<ConversationDto> {
    return this.#events.transaction(this.#orm.em.fork(), async (em, record) => {
      const conversation = await conversationFor(em, actor, id);
      await apply(em, conversation);
      await em.flush();
      return (await announce(em, record, [conversation]))[0]!;
    });
  }
}

async function announce(em: EntityManager, record: RecordEvent, conversations: Conversation[]): Promise<ConversationDto[]> {
  const labels = await labelsOf(em, conversations.map((c) => c.id));
  return conversations.map((c) => {
    const dto = conversationDto(c, labels.get(c.id) ?? []);
    record('conversation.updated', c.inbox.id, { conversation: dto });
    return dto;
  });
}
