import type { MikroORM } from '@mikro-orm/core';
import { notFound } from '../errors.ts';
import { flushOrConflict } from '../store/flush.ts';
import { CannedResponse } from '../store/entities/index.ts';

export const cannedDto = (c: CannedResponse) => ({ id: c.id, shortCode: c.shortCode, content: c.content });

export class CannedResponsesService {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  /** All responses, or those whose short code starts with `prefix` (what the reply box's `/` search asks). */
  async list(prefix?: string) {
    const where = prefix ? { shortCode: { $like: `${prefix.replace(/[%_]/g, '')}%` } } : {};
    return (await this.#orm.em.fork().find(CannedResponse, where, { orderBy: { shortCode: 'asc' } })).map(cannedDto);
  }

  async save(id: number | null, input: { shortCode?: string; content?: string }) {
    const em = this.#orm.em.fork();
    const canned = id === null ? em.create(CannedResponse, { shortCode: input.shortCode!, content: input.content! }) : await em.findOne(CannedResponse, id);
    if (!canned) throw notFound('Canned response');
    em.assign(canned, input);
    await flushOrConflict(em, `The short code "${input.shortCode}" is taken`);
    return cannedDto(canned);
  }

  async remove(id: number): Promise<void> {
    if ((await this.#orm.em.fork().nativeDelete(CannedResponse, { id })) === 0) throw notFound('Canned response');
  }
}
