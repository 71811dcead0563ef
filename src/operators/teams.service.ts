import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { badRequest, notFound } from '../errors.ts';
import { flushOrConflict } from '../store/flush.ts';
import { Operator, Team } from '../store/entities/index.ts';

export const teamDto = (t: Team) => ({ id: t.id, name: t.name, memberIds: t.members.getItems().map((m) => m.id).sort((a, b) => a - b) });
export type TeamDto = ReturnType<typeof teamDto>;

export class TeamsService {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async list(): Promise<TeamDto[]> {
    return (await this.#orm.em.fork().find(Team, {}, { populate: ['members'], orderBy: { name: 'asc' } })).map(teamDto);
  }

  async save(id: number | null, input: { name?: string; memberIds?: number[] }): Promise<TeamDto> {
    const em = this.#orm.em.fork();
    const team = id === null ? em.create(Team, { name: input.name! }) : await em.findOne(Team, id, { populate: ['members'] });
    if (!team) throw notFound('Team');
    if (input.name !== undefined) team.name = input.name;
    if (input.memberIds) team.members.set(await operatorsById(em, input.memberIds));
    await flushOrConflict(em, `A team named "${input.name}" already exists`);
    return teamDto(team);
  }

  async remove(id: number): Promise<void> {
    if ((await this.#orm.em.fork().nativeDelete(Team, { id })) === 0) throw notFound('Team');
  }
}

/** Loads operators by id; an unknown id is the caller's mistake, not something to skip silently. */
export async function operatorsById(em: EntityManager, ids: number[]): Promise<Operator[]> {
  const unique = [...new Set(ids)];
  const operators = await em.find(Operator, { id: { $in: unique } });
  if (operators.length !== unique.length) throw badRequest(`Unknown operator id(s): ${unique.filter((id) => !operators.some((o) => o.id === id)).join(', ')}`);
  return operators;
}
