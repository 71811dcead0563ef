import type { MikroORM } from '@mikro-orm/core';
import { parse } from 'csv-parse/sync';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { badRequest } from '../errors.ts';
import { Contact, ContactIdentity, ContactTag } from '../store/entities/index.ts';
import { normalizeEmail, type IdentityKey } from './identity.ts';
import type { MergeService } from './merge.service.ts';

export const IMPORT_FIELDS = ['name', 'phone', 'email', 'tags', 'language', 'timezone', 'birthday', 'custom'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
/** Which field each CSV column fills; a column left out (or mapped to "") is ignored. */
export type ImportMapping = Record<string, ImportField | ''>;

export interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  merged: number;
  rejected: number;
  /** Row numbers as a spreadsheet shows them (the header is row 1). */
  rejectedRows: { row: number; reason: string }[];
}

export const MAX_IMPORT_ROWS = 50_000;

/** Header names a person would use for each field, to suggest the mapping. */
const GUESSES: [RegExp, ImportField][] = [
  [/^(full[ _-]?)?name$|^contact$|^customer$/i, 'name'],
  [/phone|mobile|cell|tel|whatsapp/i, 'phone'],
  [/e-?mail/i, 'email'],
  [/tags?|labels?|groups?/i, 'tags'],
  [/lang/i, 'language'],
  [/time ?zone|^tz$/i, 'timezone'],
  [/birth|dob/i, 'birthday'],
];

/** Spreadsheets write `,`, `;` (where the decimal mark is a comma) or tabs: the header line's most frequent one wins. */
function delimiterOf(csv: string): string {
  const header = (csv.split(/\r?\n/, 1)[0] ?? '').replace(/"[^"]*"/g, '');
  const counts = [',', ';', '\t'].map((d) => [d, header.split(d).length - 1] as const);
  return counts.reduce((best, next) => (next[1] > best[1] ? next : best))[0];
}

function readCsv(csv: string): string[][] {
  try {
    return parse(csv, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, delimiter: delimiterOf(csv) }) as string[][];
  } catch (error) {
    throw badRequest(`This file is not readable as CSV: ${(error as Error).message}`);
  }
}

interface Row {
  row: number;
  name?: string;
  keys: IdentityKey[];
  tags: string[];
  fields: { language?: string; timezone?: string; birthday?: string };
  custom: Record<string, string>;
}

/**
 * Imports client cards from CSV. Phones are normalised to E.164 (with a default country for local
 * numbers), emails lower-cased; a row whose phone or email is already on a card updates that card
 * (so duplicates in the file, or with cards we have, become one card), and a row whose phone and email
 * sit on two different cards merges them. Rows without a valid phone or email are rejected with the reason.
 */
export class CsvImportService {
  readonly #orm: MikroORM;
  readonly #merge: MergeService;

  constructor(orm: MikroORM, merge: MergeService) {
    this.#orm = orm;
    this.#merge = merge;
  }

  preview(csv: string) {
    const records = readCsv(csv);
    const columns = records[0] ?? [];
    if (columns.length === 0) throw badRequest('The file is empty: the first line must name the columns');
    const suggested: ImportMapping = {};
    for (const column of columns) suggested[column] = GUESSES.find(([pattern]) => pattern.test(column))?.[1] ?? '';
    return { columns, sample: records.slice(1, 6), rows: records.length - 1, suggested };
  }

  async import(csv: string, mapping: ImportMapping, defaultCountry?: string): Promise<ImportReport> {
    const records = readCsv(csv);
    const header = records[0] ?? [];
    if (records.length - 1 > MAX_IMPORT_ROWS) throw badRequest(`At most ${MAX_IMPORT_ROWS} rows per import; split the file`);
    for (const column of Object.keys(mapping)) if (!header.includes(column)) throw badRequest(`The mapping names a column "${column}" the file does not have`);
    if (!Object.values(mapping).some((f) => f === 'phone' || f === 'email')) throw badRequest('Map at least one column to phone or email: they are how cards are matched');
    const report: ImportReport = { rows: records.length - 1, created: 0, updated: 0, merged: 0, rejected: 0, rejectedRows: [] };
    for (let i = 1; i < records.length; i++) {
      const parsed = readRow(header, records[i]!, mapping, defaultCountry, i + 1);
      if (typeof parsed === 'string') {
        report.rejected++;
        report.rejectedRows.push({ row: i + 1, reason: parsed });
        continue;
      }
      const outcome = await this.#apply(parsed);
      report[outcome]++;
    }
    return report;
  }

  async #apply(row: Row): Promise<'created' | 'updated' | 'merged'> {
    const known = await this.#orm.em.fork().find(ContactIdentity, { $or: row.keys }, { fields: ['kind', 'value', 'contact'] });
    // The phone decides first, as it comes first in the keys; any other card this row names is merged into it.
    const owners = [...new Set(row.keys.map((key) => known.find((i) => i.kind === key.kind && i.value === key.value)?.contact.id).filter((id): id is number => id !== undefined))];
    const target = owners[0];
    for (const other of owners.slice(1)) await this.#merge.merge(target!, other);
    await this.#orm.em.fork().transactional(async (em) => {
      const contact = target === undefined ? em.create(Contact, { name: row.name ?? null, customFields: row.custom }) : await em.findOneOrFail(Contact, target, { populate: ['identities', 'tags'] });
      if (target !== undefined) {
        if (row.name) contact.name = row.name;
        if (Object.keys(row.custom).length) contact.customFields = { ...contact.customFields, ...row.custom };
      }
      Object.assign(contact, row.fields);
      const has = new Set(target === undefined ? [] : contact.identities.getItems().map((i) => `${i.kind}:${i.value}`));
      for (const key of row.keys) if (!has.has(`${key.kind}:${key.value}`)) em.create(ContactIdentity, { contact, ...key });
      const tags = new Set(target === undefined ? [] : contact.tags.getItems().map((t) => t.tag));
      for (const tag of row.tags) if (!tags.has(tag)) em.create(ContactTag, { contact, tag });
    });
    return target === undefined ? 'created' : owners.length > 1 ? 'merged' : 'updated';
  }
}

/** One CSV line as a card, or the reason it cannot be one. */
function readRow(header: string[], values: string[], mapping: ImportMapping, defaultCountry: string | undefined, rowNumber: number): Row | string {
  const row: Row = { row: rowNumber, keys: [], tags: [], fields: {}, custom: {} };
  let phoneKey: IdentityKey | null = null;
  let emailKey: IdentityKey | null = null;
  for (let c = 0; c < header.length; c++) {
    const column = header[c]!;
    const field = mapping[column];
    const value = (values[c] ?? '').trim();
    if (!field || !value) continue;
    switch (field) {
      case 'name':
        row.name = value.slice(0, 200);
        break;
      case 'phone': {
        const phone = parsePhoneNumberFromString(value, defaultCountry ? { defaultCountry: defaultCountry as CountryCode } : undefined);
        if (!phone?.isValid()) return `"${value}" is not a valid phone number${defaultCountry ? '' : ' (numbers without + need a default country)'}`;
        phoneKey ??= { kind: 'phone', value: phone.number };
        break;
      }
      case 'email': {
        const email = normalizeEmail(value);
        if (!email) return `"${value}" is not a valid email address`;
        emailKey ??= { kind: 'email', value: email };
        break;
      }
      case 'tags':
        row.tags.push(...value.split(/[,;]/).map((t) => t.trim().toLowerCase().slice(0, 64)).filter(Boolean));
        break;
      case 'birthday':
        if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) return `birthday "${value}" is not a date like 1990-04-23`;
        row.fields.birthday = value;
        break;
      case 'language':
        row.fields.language = value.slice(0, 35);
        break;
      case 'timezone':
        row.fields.timezone = value.slice(0, 64);
        break;
      case 'custom':
        row.custom[column.slice(0, 64)] = value;
        break;
    }
  }
  if (phoneKey) row.keys.push(phoneKey);
  if (emailKey) row.keys.push(emailKey);
  if (row.keys.length === 0) return 'no phone or email to know the customer by';
  row.tags = [...new Set(row.tags)];
  return row;
}
