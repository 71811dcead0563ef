import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Dialect } from './orm.ts';

/**
 * Plain SQL for the few set-based statements the ORM has no words for (segment filters over JSON,
 * `insert … on conflict do nothing returning`). Placeholders are `?` on both dialects.
 */
export const dialectOfEm = (em: EntityManager | MikroORM['em']): Dialect => (em.getDriver() instanceof PostgreSqlDriver ? 'postgresql' : 'sqlite');

/** A timestamp as each dialect stores it: timestamptz on PostgreSQL, epoch milliseconds on SQLite (MikroORM's mapping). */
export const sqlTime = (dialect: Dialect, date: Date): Date | number => (dialect === 'postgresql' ? date : date.getTime());

/** A timestamp column read by plain SQL, back to a Date. */
export const fromSqlTime = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as string | number)));

/** Runs a query and returns its rows; inside `em.transactional` it runs in that transaction. */
export async function rows<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await em.getConnection().execute(sql, params, 'all', em.getTransactionContext())) as T[];
}

/** Runs a write and returns how many rows it changed. */
export async function run(em: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const result = (await em.getConnection().execute(sql, params, 'run', em.getTransactionContext())) as { affectedRows?: number; changes?: number; rowCount?: number };
  return Number(result.affectedRows ?? result.changes ?? result.rowCount ?? 0);
}
