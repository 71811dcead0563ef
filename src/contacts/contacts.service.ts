import { UniqueConstraintViolationException, type EntityManager, type FilterQuery, type MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { AppError, badRequest, conflict, notFound } from '../errors.ts';
import { Contact, ContactIdentity, ContactNote, ContactTag } from '../store/entities/index.ts';
import { afterPosition, decodeCursor, page } from '../inbox/cursor.ts';
import { flushOrConflict } from '../store/flush.ts';
import { contactDto, identityDto, noteDto, type ContactDto } from './contact-dto.ts';
import { normalizeIdentity, type IdentityKey } from './identity.ts';

export interface ContactFields {
  name?: string | null;
  avatarUrl?: string | null;
  birthday?: string | null;
  language?: string | null;
  timezone?: string | null;
  customFields?: Record<string, unknown>;
}

export interface NewContact extends ContactFields {
  identities?: { kind: string; value: string }[];
  tags?: string[];
}

const POPULATE = ['identities', 'tags'] as const;

/** Client cards: create, edit, search, identities, tags, notes. Merging lives in merge.service.ts. */
export class ContactsService {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async create(input: NewContact): Promise<ContactDto> {
    const identities = (input.identities ?? []).map((i) => validIdentity(i.kind, i.value));
    return this.#write(async (em) => {
      const { identities: _i, tags, ...fields } = input;
      const contact = em.create(Contact, { ...fields, customFields: fields.customFields ?? {} });
      for (const key of identities) em.create(ContactIdentity, { contact, ...key });
      for (const tag of cleanTags(tags ?? [])) em.create(ContactTag, { contact, tag });
      await em.flush();
      return contact.id;
    });
  }

  async get(id: number): Promise<ContactDto> {
    const em = this.#orm.em.fork();
    return contactDto(await this.#load(em, id));
  }

  /** Search by name, phone or email (any part); newest first, keyset-paginated. */
  async search(options: { q?: string; tag?: string; cursor?: string; limit: number }) {
    const em = this.#orm.em.fork();
    const where: FilterQuery<Contact>[] = [];
    const q = options.q?.trim().replace(/[%]/g, '');
    if (q) {
      const like = `%${q}%`;
      const digits = q.replace(/[\s().-]/g, '');
      // SQLite has no ILIKE (its LIKE already ignores ASCII case); PostgreSQL's LIKE is case-sensitive.
      const anyCase = em.getDriver() instanceof PostgreSqlDriver ? '$ilike' : '$like';
      where.push({ $or: [{ name: { [anyCase]: like } }, { identities: { value: { [anyCase]: like } } }, ...(digits !== q ? [{ identities: { value: { $like: `%${digits}%` } } }] : [])] });
    }
    if (options.tag) where.push({ tags: { tag: options.tag } });
    if (options.cursor) where.push(afterPosition('createdAt', decodeCursor(options.cursor)));
    const rows = await em.find(Contact, { $and: where }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: options.limit + 1, populate: POPULATE });
    const { items, nextCursor } = page(rows, options.limit, (c) => c.createdAt);
    return { items: items.map(contactDto), nextCursor };
  }

  async update(id: number, fields: ContactFields): Promise<ContactDto> {
    return this.#write(async (em) => {
      const contact = await this.#load(em, id);
      em.assign(contact, fields, { mergeObjectProperties: false });
      await em.flush();
      return id;
    });
  }

  async remove(id: number): Promise<void> {
    const em = this.#orm.em.fork();
    const contact = await em.findOne(Contact, id);
    if (!contact) throw notFound('Contact');
    try {
      await em.remove(contact).flush();
    } catch (cause) {
      throw new AppError('CONFLICT', 'This card still has conversations; merge it into another card instead of deleting it', { cause });
    }
  }

  async addIdentity(id: number, kind: string, value: string) {
    const key = validIdentity(kind, value);
    const em = this.#orm.em.fork();
    const contact = await this.#load(em, id);
    const identity = em.create(ContactIdentity, { contact, ...key });
    await flushOrConflict(em, `${key.kind} ${key.value} already belongs to a card; merge the two cards instead`);
    return identityDto(identity);
  }

  async removeIdentity(id: number, identityId: number): Promise<void> {
    const count = await this.#orm.em.fork().nativeDelete(ContactIdentity, { id: identityId, contact: id });
    if (count === 0) throw notFound('Identity');
  }

  async setTags(id: number, tags: string[]): Promise<ContactDto> {
    return this.#write(async (em) => {
      const contact = await this.#load(em, id);
      await em.nativeDelete(ContactTag, { contact });
      for (const tag of cleanTags(tags)) em.create(ContactTag, { contact, tag });
      await em.flush();
      return id;
    });
  }

  async addNote(id: number, authorId: number, body: string) {
    const em = this.#orm.em.fork();
    const contact = await this.#load(em, id);
    const note = em.create(ContactNote, { contact, author: authorId, body });
    await em.flush();
    return noteDto(note);
  }

  async notes(id: number) {
    const em = this.#orm.em.fork();
    await this.#load(em, id);
    return (await em.find(ContactNote, { contact: id }, { orderBy: { createdAt: 'desc', id: 'desc' } })).map(noteDto);
  }

  async #load(em: EntityManager, id: number): Promise<Contact> {
    const contact = await em.findOne(Contact, id, { populate: POPULATE });
    if (!contact) throw notFound('Contact');
    return contact;
  }

  /** Runs a write in a transaction and returns the card as it now is. */
  async #write(work: (em: EntityManager) => Promise<number>): Promise<ContactDto> {
    let id: number;
    try {
      id = await this.#orm.em.fork().transactional(work);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflict('One of these identities already belongs to another card; merge the two cards instead');
      throw error;
    }
    return this.get(id);
  }
}

function validIdentity(kind: string, value: string): IdentityKey {
  try {
    return normalizeIdentity(kind, value);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

const cleanTags = (tags: string[]) => [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];
