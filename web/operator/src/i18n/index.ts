import { en, type MessageKey } from './en.ts';

/** The one place user text comes from. Add a language by adding its table here (same keys as en.ts). */
const tables: Record<string, Partial<Record<MessageKey, string>>> = { en };
const language = (navigator.language ?? 'en').split('-')[0]!;
const table = tables[language] ?? en;

export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = table[key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export const locale = navigator.language || 'en';
export type { MessageKey };
