/**
 * Wall-clock time in IANA timezones with nothing but Intl: a campaign starts at 10:00 in Berlin, quiet
 * hours are 21:00–08:00 in the recipient's own zone, a birthday is "today" where the card lives.
 */

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimezone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading of `date` in `timeZone`. */
export function localParts(date: Date, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const { type, value } of formatter(timeZone).formatToParts(date)) if (type !== 'literal') parts[type] = Number(value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
}

/** `YYYY-MM-DD` of `date` in `timeZone`. */
export function localDate(date: Date, timeZone: string): string {
  const p = localParts(date, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

const offsetAt = (instant: number, timeZone: string) => {
  const p = localParts(new Date(instant), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(instant / 1000) * 1000;
};

/** The instant a wall-clock time happens in `timeZone` (a time skipped by a DST change resolves to just after it). */
export function zonedToUtc(local: { year: number; month: number; day: number; hour: number; minute: number; second?: number }, timeZone: string): Date {
  const guess = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second ?? 0);
  let instant = guess - offsetAt(guess, timeZone);
  const again = guess - offsetAt(instant, timeZone);
  if (again !== instant) instant = again;
  return new Date(instant);
}

const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Parses `YYYY-MM-DDTHH:MM[:SS]` (no offset) as a wall-clock time in `timeZone`; null when malformed. */
export function parseLocalDateTime(value: string, timeZone: string): Date | null {
  const m = LOCAL_DATETIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  return zonedToUtc({ year, month, day, hour, minute, second }, timeZone);
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
export const isTimeOfDay = (value: string) => HHMM.test(value);
export function minutesOf(value: string): number {
  const m = HHMM.exec(value);
  if (!m) throw new Error(`"${value}" is not a time of day (HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Adds days to a calendar date (no timezone involved). */
function addDays(p: { year: number; month: number; day: number }, days: number) {
  const d = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * If `now` falls in the quiet hours `start`–`end` (local `HH:MM`, wrapping midnight when start > end) in
 * `timeZone`, the instant they end; otherwise null.
 */
export function quietHoursEnd(now: Date, timeZone: string, quiet: { start: string; end: string }): Date | null {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return null;
  const local = localParts(now, timeZone);
  const minute = local.hour * 60 + local.minute;
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return null;
  // The end is later today, unless the window wraps midnight and we are before midnight.
  const day = start > end && minute >= start ? addDays(local, 1) : local;
  return zonedToUtc({ ...day, hour: Math.floor(end / 60), minute: end % 60 }, timeZone);
}

/** The next instant the local time `HH:MM` comes round in `timeZone`, at or after `now`. */
export function nextLocalTime(now: Date, timeZone: string, time: string): Date {
  const minutes = minutesOf(time);
  const local = localParts(now, timeZone);
  const today = zonedToUtc({ ...local, hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0 }, timeZone);
  return today >= now ? today : zonedToUtc({ ...addDays(local, 1), hour: Math.floor(minutes / 60), minute: minutes % 60 }, timeZone);
}
