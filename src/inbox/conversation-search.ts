import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ContactIdentity, Message, type Conversation } from '../store/entities/index.ts';

/**
 * The list's free-text search: a conversation matches when its card's name, one of its identities (phone,
 * email, user name…) or the text of one of its messages contains `q`, ignoring case.
 *
 * Identities and messages are searched by `IN (subquery)` rather than joins: a join to messages would
 * multiply rows and break the keyset page, and the subqueries let each database pick its own plan.
 */
export function searchCondition(em: EntityManager, q: string): FilterQuery<Conversation> {
  // `%` would widen the pattern; LIKE has no portable escape across both dialects, so it is dropped.
  const text = q.trim().replace(/[%\\]/g, '');
  const like = `%${text}%`;
  // SQLite's LIKE already ignores ASCII case; PostgreSQL's does not, so it gets ILIKE.
  const anyCase = em.getDriver() instanceof PostgreSqlDriver ? '$ilike' : '$like';
  // Phones are stored in E.164: "+44 20 7946-0000" typed with spaces and dashes should still find one.
  const digits = text.replace(/[\s().-]/g, '');
  const values = [{ value: { [anyCase]: like } }, ...(digits !== text && digits ? [{ value: { $like: `%${digits}%` } }] : [])];
  const sql = em as SqlEntityManager;
  const byIdentity = sql.createQueryBuilder(ContactIdentity, 'i').select('i.contact').where({ $or: values });
  const byMessage = sql.createQueryBuilder(Message, 'm').select('m.conversation').where({ text: { [anyCase]: like } });
  return { $or: [{ contact: { name: { [anyCase]: like } } }, { contact: { $in: byIdentity } }, { id: { $in: byMessage } }] } as FilterQuery<Conversation>;
}
