import { badRequest } from '../errors.ts';

/**
 * Opaque keyset cursors: the sort key of the last row seen. Stable under inserts, unlike offsets,
 * so a live list that keeps growing never repeats or skips a row between pages.
 */
export interface Position {
  at: Date;
  id: number;
}

export const encodeCursor = (position: Position): string => Buffer.from(`${position.at.toISOString()}|${position.id}`).toString('base64url');

export function decodeCursor(cursor: string): Position {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const position = { at: new Date(at ?? ''), id: Number(id) };
  if (Number.isNaN(position.at.getTime()) || !Number.isInteger(position.id)) throw badRequest('The cursor is not one this server gave out');
  return position;
}

/** Rows strictly after `position` in (at desc, id desc) order. */
export const afterPosition = <K extends string>(key: K, position: Position) => ({
  $or: [{ [key]: { $lt: position.at } }, { [key]: position.at, id: { $lt: position.id } }],
});

/** Splits a `limit + 1` query result into a page and the next cursor. */
export function page<T extends { id: number }>(rows: T[], limit: number, at: (row: T) => Date): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ at: at(last), id: last.id }) : null };
}
