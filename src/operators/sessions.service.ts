import { createHash, randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import argon2 from 'argon2';
import { AppError } from '../errors.ts';
import { Operator, Session } from '../store/entities/index.ts';
import type { Actor } from '../inbox/access.ts';

export const SESSION_COOKIE = 'crm_session';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** argon2id with the library's defaults (OWASP's recommended parameters). */
export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

/** A fixed hash to verify against when the email is unknown, so a miss takes as long as a wrong password. */
let decoy: Promise<string> | undefined;

/** Logins and the sessions they open. Tokens are random; only their SHA-256 is stored. */
export class SessionsService {
  readonly #orm: MikroORM;
  readonly #ttlMs: number;

  constructor(orm: MikroORM, ttlHours: number) {
    this.#orm = orm;
    this.#ttlMs = ttlHours * 3600_000;
  }

  async login(email: string, password: string): Promise<{ token: string; operator: Operator; expiresAt: Date }> {
    const em = this.#orm.em.fork();
    const operator = await em.findOne(Operator, { email: email.trim().toLowerCase() });
    decoy ??= hashPassword(randomBytes(16).toString('hex'));
    const valid = await argon2.verify(operator?.passwordHash ?? (await decoy), password);
    if (!operator || !valid || !operator.active) throw new AppError('INVALID_CREDENTIALS', 'Wrong email or password');
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.#ttlMs);
    em.create(Session, { tokenHash: hashToken(token), operator, expiresAt });
    await em.flush();
    return { token, operator, expiresAt };
  }

  /** The operator behind a token, or null when it is unknown, expired or the operator was deactivated. */
  async authenticate(token: string): Promise<(Actor & { name: string; email: string }) | null> {
    const em = this.#orm.em.fork();
    const session = await em.findOne(Session, { tokenHash: hashToken(token), expiresAt: { $gt: new Date() } }, { populate: ['operator'] });
    const operator = session?.operator as Operator | undefined;
    if (!operator?.active) return null;
    return { id: operator.id, role: operator.role, name: operator.name, email: operator.email };
  }

  async logout(token: string): Promise<void> {
    await this.#orm.em.fork().nativeDelete(Session, { tokenHash: hashToken(token) });
  }

  /** Ends every session of an operator (deactivated, password or role changed). */
  async endAll(operatorId: number): Promise<void> {
    await this.#orm.em.fork().nativeDelete(Session, { operator: operatorId });
  }
}
