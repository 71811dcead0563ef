import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { notFound } from '../errors.ts';
import { flushOrConflict } from '../store/flush.ts';
import { Segment } from '../store/entities/index.ts';
import { dialectOfEm, rows } from '../store/sql.ts';
import type { Clock } from './clock.ts';
import { segmentCondition, type SegmentFilter } from './segment-filter.ts';

export const segmentDto = (s: Segment) => ({ id: s.id, name: s.name, filter: s.filter, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString() });
export type SegmentDto = ReturnType<typeof segmentDto>;

/** Saved filters over client cards; counted live, and streamed (keyset by card id) by the campaign worker. */
export class SegmentsService {
  readonly #orm: MikroORM;
  readonly #clock: Clock;

  constructor(orm: MikroORM, clock: Clock) {
    this.#orm = orm;
    this.#clock = clock;
  }

  async list(): Promise<SegmentDto[]> {
    return (await this.#orm.em.fork().find(Segment, {}, { orderBy: { name: 'asc' } })).map(segmentDto);
  }

  async get(id: number): Promise<SegmentDto> {
    const segment = await this.#orm.em.fork().findOne(Segment, id);
    if (!segment) throw notFound('Segment');
    return segmentDto(segment);
  }

  async create(input: { name: string; filter: SegmentFilter }): Promise<SegmentDto> {
    await this.count(input.filter); // a filter that cannot run is a 400 now, not a failed campaign later
    const em = this.#orm.em.fork();
    const segment = em.create(Segment, { name: input.name, filter: input.filter });
    await flushOrConflict(em, `A segment named "${input.name}" already exists`);
    return segmentDto(segment);
  }

  async update(id: number, input: { name?: string; filter?: SegmentFilter }): Promise<SegmentDto> {
    const em = this.#orm.em.fork();
    const segment = await em.findOne(Segment, id);
    if (!segment) throw notFound('Segment');
    if (input.filter) {
      await this.count(input.filter);
      segment.filter = input.filter;
    }
    if (input.name !== undefined) segment.name = input.name;
    await flushOrConflict(em, `A segment named "${input.name}" already exists`);
    return segmentDto(segment);
  }

  async remove(id: number): Promise<void> {
    if ((await this.#orm.em.fork().nativeDelete(Segment, { id })) === 0) throw notFound('Segment');
  }

  /** How many cards match right now. */
  async count(filter: SegmentFilter, em: EntityManager = this.#orm.em.fork()): Promise<number> {
    const { sql, params } = segmentCondition(filter, dialectOfEm(em), this.#clock.now());
    const [row] = await rows<{ n: number | string }>(em, `select count(*) as n from contact c where ${sql}`, params);
    return Number(row?.n ?? 0);
  }

  /** A few matching cards (newest first), for the segment builder to show who is in it. */
  async sample(filter: SegmentFilter, limit = 10): Promise<{ id: number; name: string | null }[]> {
    const em = this.#orm.em.fork();
    const { sql, params } = segmentCondition(filter, dialectOfEm(em), this.#clock.now());
    return rows<{ id: number; name: string | null }>(em, `select c.id, c.name from contact c where ${sql} order by c.id desc limit ?`, [...params, limit]);
  }

  /** The next page of matching cards after card id `after`, in id order (the campaign worker's stream). */
  async page(em: EntityManager, filter: SegmentFilter, after: number, limit: number, extra: { sql: string; params: unknown[] } = { sql: '1 = 1', params: [] }): Promise<{ id: number; timezone: string | null }[]> {
    const { sql, params } = segmentCondition(filter, dialectOfEm(em), this.#clock.now());
    const found = await rows<{ id: number; timezone: string | null }>(em, `select c.id, c.timezone from contact c where c.id > ? and (${sql}) and (${extra.sql}) order by c.id limit ?`, [after, ...params, ...extra.params, limit]);
    return found.map((r) => ({ id: Number(r.id), timezone: r.timezone }));
  }
}
