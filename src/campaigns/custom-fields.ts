import type { EntityManager } from '@mikro-orm/core';
import { dialectOfEm, rows } from '../store/sql.ts';

/** Every custom field name present on at least one card: what templates may refer to. */
export async function customFieldNames(em: EntityManager): Promise<Set<string>> {
  const sql = dialectOfEm(em) === 'postgresql'
    ? 'select distinct jsonb_object_keys(custom_fields) as key from contact'
    : 'select distinct j.key as key from contact, json_each(contact.custom_fields) j';
  return new Set((await rows<{ key: string }>(em, sql)).map((r) => r.key));
}
