import { CUSTOM_FIELD_OPS, type CustomFieldOp, type SegmentFilter } from './types.ts';

/** The segment builder's form, as typed; `toFilter` turns it into the API's filter (README "Segments"). */
export const IDENTITY_KINDS = ['email', 'phone', 'telegram', 'whatsapp'] as const;
export type Presence = 'any' | 'has' | 'hasNot';
export type ActivityMode = 'any' | 'within' | 'older' | 'never';
export interface FieldRow { field: string; op: CustomFieldOp; value: string }
export interface SegmentForm {
  tagsAny: string;
  tagsAll: string;
  tagsNone: string;
  presence: Record<(typeof IDENTITY_KINDS)[number], Presence>;
  fields: FieldRow[];
  activity: ActivityMode;
  activityDays: string;
  createdAfter: string;
  createdBefore: string;
  months: number[];
  languages: string;
}

const list = (text: string) => [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
const NUMERIC_OPS: CustomFieldOp[] = ['gt', 'gte', 'lt', 'lte'];

function fieldValue(row: FieldRow): string | number | string[] | undefined {
  if (row.op === 'exists' || row.op === 'notExists') return undefined;
  if (row.op === 'in') return list(row.value);
  // Numbers compare with numbers only; a date (an ISO string) compares as text.
  if (NUMERIC_OPS.includes(row.op) && row.value.trim() !== '' && !Number.isNaN(Number(row.value))) return Number(row.value);
  return row.value;
}

export function toFilter(form: SegmentForm): SegmentFilter {
  const filter: SegmentFilter = {};
  if (list(form.tagsAny).length) filter.tagsAny = list(form.tagsAny);
  if (list(form.tagsAll).length) filter.tagsAll = list(form.tagsAll);
  if (list(form.tagsNone).length) filter.tagsNone = list(form.tagsNone);
  const has = IDENTITY_KINDS.filter((k) => form.presence[k] === 'has');
  const hasNot = IDENTITY_KINDS.filter((k) => form.presence[k] === 'hasNot');
  if (has.length) filter.has = has;
  if (hasNot.length) filter.hasNot = hasNot;
  const rows = form.fields.filter((r) => r.field.trim());
  if (rows.length) filter.customFields = rows.map((r) => {
    const value = fieldValue(r);
    return value === undefined ? { field: r.field.trim(), op: r.op } : { field: r.field.trim(), op: r.op, value };
  });
  const days = Math.max(0, Math.floor(Number(form.activityDays) || 0));
  if (form.activity === 'within') filter.lastActivity = { withinDays: days };
  if (form.activity === 'older') filter.lastActivity = { olderThanDays: days };
  if (form.activity === 'never') filter.lastActivity = { never: true };
  if (form.createdAfter || form.createdBefore) {
    filter.created = {};
    if (form.createdAfter) filter.created.after = `${form.createdAfter}T00:00:00.000Z`;
    // "Before" a day includes that day.
    if (form.createdBefore) filter.created.before = new Date(Date.parse(`${form.createdBefore}T00:00:00.000Z`) + 86_400_000).toISOString();
  }
  if (form.months.length) filter.birthdayMonths = [...form.months].sort((a, b) => a - b);
  if (list(form.languages).length) filter.languages = list(form.languages);
  return filter;
}

export function toForm(filter: SegmentFilter = {}): SegmentForm {
  const presence = Object.fromEntries(IDENTITY_KINDS.map((k) => [k, filter.has?.includes(k) ? 'has' : filter.hasNot?.includes(k) ? 'hasNot' : 'any'])) as SegmentForm['presence'];
  const activity = filter.lastActivity;
  return {
    tagsAny: (filter.tagsAny ?? []).join(', '),
    tagsAll: (filter.tagsAll ?? []).join(', '),
    tagsNone: (filter.tagsNone ?? []).join(', '),
    presence,
    fields: (filter.customFields ?? []).map((c) => ({ field: c.field, op: (CUSTOM_FIELD_OPS as readonly string[]).includes(c.op) ? c.op : 'eq', value: Array.isArray(c.value) ? c.value.join(', ') : c.value === undefined ? '' : String(c.value) })),
    activity: activity?.never ? 'never' : activity?.withinDays !== undefined ? 'within' : activity?.olderThanDays !== undefined ? 'older' : 'any',
    activityDays: String(activity?.withinDays ?? activity?.olderThanDays ?? 30),
    createdAfter: filter.created?.after?.slice(0, 10) ?? '',
    createdBefore: filter.created?.before ? new Date(Date.parse(filter.created.before) - 86_400_000).toISOString().slice(0, 10) : '',
    months: filter.birthdayMonths ?? [],
    languages: (filter.languages ?? []).join(', '),
  };
}
