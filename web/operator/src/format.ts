import { locale, t } from './i18n/index.ts';

const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const short = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' });

export const timeOf = (iso: string) => time.format(new Date(iso));
export const dayKey = (iso: string) => new Date(iso).toDateString();

export function dayLabel(iso: string): string {
  const date = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getTime() - 86_400_000);
  if (date.toDateString() === today.toDateString()) return t('conv.today');
  if (date.toDateString() === yesterday.toDateString()) return t('conv.yesterday');
  return day.format(date);
}

/** Time today, else a short date: what a list row needs. */
export const whenShort = (iso: string) => (new Date(iso).toDateString() === new Date().toDateString() ? timeOf(iso) : short.format(new Date(iso)));

export function fileSize(bytes?: number): string {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Two letters for an avatar. */
export const initials = (name: string) => name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]!.toUpperCase()).join('') || '?';
