import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { notFound } from '../errors.ts';
import { flushOrConflict } from '../store/flush.ts';
import { Operator, type Role } from '../store/entities/index.ts';
import { hashPassword } from './sessions.service.ts';

export const operatorDto = (o: Operator) => ({ id: o.id, email: o.email, name: o.name, role: o.role, active: o.active, createdAt: o.createdAt.toISOString() });
export type OperatorDto = ReturnType<typeof operatorDto>;

export interface OperatorInput {
  email: string;
  name: string;
  password: string;
  role: Role;
}

/** Admins manage operators; there is no self-service sign-up. */
export class OperatorsService {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async list(): Promise<OperatorDto[]> {
    return (await this.#orm.em.fork().find(Operator, {}, { orderBy: { id: 'asc' } })).map(operatorDto);
  }

  async create(input: OperatorInput): Promise<OperatorDto> {
    const em = this.#orm.em.fork();
    const operator = em.create(Operator, { email: input.email.trim().toLowerCase(), name: input.name, role: input.role, passwordHash: await hashPassword(input.password) });
    await flushOrConflict(em, `An operator with email ${input.email} already exists`);
    return operatorDto(operator);
  }

  async update(id: number, changes: Partial<Omit<OperatorInput, 'email'>> & { active?: boolean }): Promise<OperatorDto> {
    const em = this.#orm.em.fork();
    const operator = await em.findOne(Operator, id);
    if (!operator) throw notFound('Operator');
    const { password, ...rest } = changes;
    em.assign(operator, rest);
    if (password) operator.passwordHash = await hashPassword(password);
    await em.flush();
    return operatorDto(operator);
  }

  /**
   * On first start there is no operator: create the admin from ADMIN_EMAIL / ADMIN_PASSWORD,
   * or with a generated password that is returned so it can be printed once.
   */
  async ensureAdmin(email: string, password: string): Promise<{ email: string; generatedPassword?: string } | null> {
    const em = this.#orm.em.fork();
    if ((await em.count(Operator, {})) > 0) return null;
    const generatedPassword = password ? undefined : randomBytes(12).toString('base64url');
    try {
      await this.create({ email, name: 'Administrator', role: 'admin', password: password || generatedPassword! });
    } catch (error) {
      // Another process starting at the same moment created it first.
      if (error instanceof Error && 'code' in error && error.code === 'CONFLICT') return null;
      throw error;
    }
    return { email, generatedPassword };
  }
}
