import { badRequest } from '../errors.ts';
import type { Dialect } from '../store/orm.ts';

/**
 * What a segment can say about client cards. Every condition given must hold (AND); lists inside one
 * condition are alternatives where the name says so (`tagsAny`). An empty filter is every card.
 */
export interface SegmentFilter {
  /** Has at least one of these tags. */
  tagsAny?: string[];
  /** Has every one of these tags. */
  tagsAll?: string[];
  /** Has none of these tags. */
  tagsNone?: string[];
  /** Custom field conditions, all of which must hold. */
  customFields?: CustomFieldCondition[];
  /** Has an identity of each of these kinds (`email`, `phone`, `telegram`, `whatsapp` — WhatsApp Web or Cloud —, or any other kind). */
  has?: string[];
  /** Has no identity of any of these kinds. */
  hasNot?: string[];
  /** When the card last wrote on any channel. */
  lastActivity?: DateRange;
  /** When the card was created. */
  created?: DateRange;
  /** Birthday in one of these months (1–12). */
  birthdayMonths?: number[];
  /** Language is one of these (`de` also matches `de-AT`). */
  languages?: string[];
}

export const CUSTOM_FIELD_OPS = ['eq', 'neq', 'in', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists', 'notExists'] as const;
export type CustomFieldOp = (typeof CUSTOM_FIELD_OPS)[number];

export interface CustomFieldCondition {
  field: string;
  op: CustomFieldOp;
  /** A string, number or boolean; an array for `in`; none for `exists` / `notExists`. Numbers compare as numbers, strings (ISO dates too) as text. */
  value?: string | number | boolean | (string | number)[];
}

/** Absolute bounds (ISO timestamps) and/or relative ones in days before now. `never: true` matches cards that never wrote. */
export interface DateRange {
  after?: string;
  before?: string;
  withinDays?: number;
  olderThanDays?: number;
  never?: boolean;
}

/** Identity kinds a presence condition stands for: "has WhatsApp" is either WhatsApp channel. */
const KIND_ALIASES: Record<string, string[]> = { whatsapp: ['whatsapp', 'whatsapp-cloud'] };
const kindsOf = (names: string[]) => [...new Set(names.flatMap((n) => KIND_ALIASES[n] ?? [n]))];

const DAY_MS = 86_400_000;

export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/**
 * The filter as a SQL condition on the `contact` table aliased `c`, for either dialect. Custom fields are
 * JSON (jsonb on PostgreSQL, JSON text on SQLite): each comparison is limited to values of the same JSON
 * type, so a text in a numeric field never breaks a query or matches a number.
 */
export function segmentCondition(filter: SegmentFilter, dialect: Dialect, now: Date): SqlCondition {
  const parts: string[] = [];
  const params: unknown[] = [];
  const list = (values: unknown[]) => {
    params.push(...values);
    return values.map(() => '?').join(', ');
  };
  const time = (date: Date) => (dialect === 'postgresql' ? date : date.getTime());

  if (filter.tagsAny?.length) parts.push(`exists (select 1 from contact_tag t where t.contact_id = c.id and t.tag in (${list(filter.tagsAny.map(cleanTag))}))`);
  for (const tag of filter.tagsAll ?? []) parts.push(`exists (select 1 from contact_tag t where t.contact_id = c.id and t.tag = ${list([cleanTag(tag)])})`);
  if (filter.tagsNone?.length) parts.push(`not exists (select 1 from contact_tag t where t.contact_id = c.id and t.tag in (${list(filter.tagsNone.map(cleanTag))}))`);
  for (const kind of filter.has ?? []) parts.push(`exists (select 1 from contact_identity i where i.contact_id = c.id and i.kind in (${list(kindsOf([kind]))}))`);
  if (filter.hasNot?.length) parts.push(`not exists (select 1 from contact_identity i where i.contact_id = c.id and i.kind in (${list(kindsOf(filter.hasNot))}))`);
  if (filter.birthdayMonths?.length) parts.push(`substr(c.birthday, 6, 2) in (${list(filter.birthdayMonths.map((m) => String(m).padStart(2, '0')))})`);
  if (filter.languages?.length) {
    const alternatives = filter.languages.map((l) => `lower(c.language) = ${list([l.toLowerCase()])} or lower(c.language) like ${list([`${l.toLowerCase()}-%`])}`);
    parts.push(`(${alternatives.join(' or ')})`);
  }
  for (const [column, range] of [['c.last_activity_at', filter.lastActivity], ['c.created_at', filter.created]] as const) {
    if (!range) continue;
    const bounds: string[] = [];
    const after = [range.after ? parseDate(range.after) : null, range.withinDays !== undefined ? new Date(now.getTime() - range.withinDays * DAY_MS) : null].filter((d): d is Date => d !== null);
    const before = [range.before ? parseDate(range.before) : null, range.olderThanDays !== undefined ? new Date(now.getTime() - range.olderThanDays * DAY_MS) : null].filter((d): d is Date => d !== null);
    for (const d of after) bounds.push(`${column} >= ${list([time(d)])}`);
    for (const d of before) bounds.push(`${column} < ${list([time(d)])}`);
    const within = bounds.length ? bounds.join(' and ') : null;
    if (range.never) parts.push(within ? `(${column} is null or (${within}))` : `${column} is null`);
    else if (within) parts.push(within);
  }
  for (const condition of filter.customFields ?? []) parts.push(customField(condition, dialect, list));
  return { sql: parts.length ? parts.map((p) => `(${p})`).join(' and ') : '1 = 1', params };
}

function customField({ field, op, value }: CustomFieldCondition, dialect: Dialect, list: (values: unknown[]) => string): string {
  if (!/^[^"\\]{1,64}$/.test(field)) throw badRequest(`"${field}" is not a custom field name this filter can use`);
  const pg = dialect === 'postgresql';
  // The JSON value, its JSON type, and its text; SQLite's json_type says 'integer'/'real'/'text'/'true'/'false'/'null'.
  const path = () => list([pg ? field : `$."${field}"`]);
  const json = () => (pg ? `(c.custom_fields -> ${path()})` : `json_extract(c.custom_fields, ${path()})`);
  const type = () => (pg ? `jsonb_typeof(c.custom_fields -> ${path()})` : `json_type(c.custom_fields, ${path()})`);
  const text = () => (pg ? `(c.custom_fields ->> ${path()})` : `cast(json_extract(c.custom_fields, ${path()}) as text)`);
  const present = () => `coalesce(${type()}, 'null') <> 'null'`;
  const numberTypes = pg ? `('number')` : `('integer', 'real')`;
  const typed = (v: unknown) => {
    if (typeof v === 'number') return { is: `${type()} in ${numberTypes}`, expr: pg ? `(c.custom_fields ->> ${path()})::numeric` : json() };
    if (typeof v === 'boolean') return { is: pg ? `${type()} = 'boolean'` : `${type()} in ('true', 'false')`, expr: pg ? `(c.custom_fields ->> ${path()})::boolean` : json() };
    if (typeof v === 'string') return { is: pg ? `${type()} = 'string'` : `${type()} = 'text'`, expr: text() };
    throw badRequest(`Custom field "${field}": ${op} needs a string, number or boolean value`);
  };
  const param = (v: unknown) => (typeof v === 'boolean' && !pg ? (v ? 1 : 0) : v);
  const compare = (sqlOp: string) => {
    const t = typed(value);
    return `${t.is} and ${t.expr} ${sqlOp} ${list([param(value)])}`;
  };
  switch (op) {
    case 'exists': return present();
    case 'notExists': return `not (${present()})`;
    case 'eq': return compare('=');
    case 'neq': return `not (${present()}) or not (${compare('=')})`;
    case 'gt': return compare('>');
    case 'gte': return compare('>=');
    case 'lt': return compare('<');
    case 'lte': return compare('<=');
    case 'contains': {
      if (typeof value !== 'string') throw badRequest(`Custom field "${field}": contains needs a string`);
      return `lower(${text()}) like ${list([`%${value.toLowerCase().replace(/[%_]/g, '')}%`])}`;
    }
    case 'in': {
      if (!Array.isArray(value) || value.length === 0) throw badRequest(`Custom field "${field}": in needs a non-empty list`);
      return `(${value.map((v) => { const t = typed(v); return `(${t.is} and ${t.expr} = ${list([param(v)])})`; }).join(' or ')})`;
    }
  }
}

const cleanTag = (tag: string) => tag.trim().toLowerCase();

function parseDate(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badRequest(`"${value}" is not a date`);
  return date;
}
