import { stringify } from 'csv-stringify/sync';
import type { ContactDto } from './contact-dto.ts';

/** A spreadsheet would run a cell starting with these as a formula (CSV injection): such cells get a leading quote. */
const FORMULA = /^[=+\-@\t\r]/;
const cell = (value: unknown) => {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return FORMULA.test(text) ? `'${text}` : text;
};

/** Cards as CSV: one row per card, phones and emails joined with "; ", custom fields as their own columns. */
export function contactsCsv(cards: ContactDto[]): string {
  const customKeys = [...new Set(cards.flatMap((c) => Object.keys(c.customFields ?? {})))].sort();
  const header = ['id', 'name', 'phone', 'email', 'other identities', 'tags', 'language', 'timezone', 'birthday', 'created', ...customKeys];
  const rows = cards.map((c) => {
    const of = (kind: string) => c.identities.filter((i) => i.kind === kind).map((i) => i.value).join('; ');
    const others = c.identities.filter((i) => i.kind !== 'phone' && i.kind !== 'email').map((i) => `${i.kind}:${i.value}`).join('; ');
    return [c.id, c.name, of('phone'), of('email'), others, c.tags.join(', '), c.language, c.timezone, c.birthday, c.createdAt, ...customKeys.map((k) => c.customFields?.[k])].map(cell);
  });
  return stringify([header, ...rows], { bom: true });
}
