/**
 * How many SMS a text costs, and where a long one is split (3GPP TS 23.038 and 23.040).
 *
 * A text that fits the GSM 03.38 default alphabet is sent as GSM-7: 160 septets in one SMS, or 153 per
 * part once it needs several (the concatenation header, UDH, takes 6 octets of each part's 140). Characters
 * of the extension table (`^ { } \ [ ~ ] | €` and form feed) take two septets (escape + character), and a
 * part never ends between the two. Any other character (an emoji, Cyrillic, a typographic apostrophe ’)
 * makes the whole text UCS-2: 70 UTF-16 code units in one SMS, 67 per part, and a surrogate pair (most
 * emoji) is never split across parts. National language shift tables are not used (few senders support them).
 *
 * Pure and dependency-free: the SMS adapter splits with it, campaigns and the web app count with it.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  units: number;
  /** How many SMS it is sent as (0 for an empty text). */
  segments: number;
  /** Units one SMS holds at this length: 160/70 for a single SMS, 153/67 per part of a long one. */
  perSegment: number;
  /** Units left in the last SMS before another one is needed. */
  remaining: number;
  /** The text of each SMS, in order. */
  parts: string[];
  /** Characters that forced UCS-2, each once, in order of appearance (empty for GSM-7). */
  nonGsmCharacters: string[];
}

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '\f^{}\\[~]|€';
const BASIC = new Set(GSM_BASIC);
const EXTENDED = new Set(GSM_EXTENDED);

export const GSM7_SINGLE = 160;
export const GSM7_PART = 153;
export const UCS2_SINGLE = 70;
export const UCS2_PART = 67;

/** Septets one character takes in GSM-7, or 0 when it is not in the GSM alphabet. */
export function gsmSeptets(character: string): number {
  if (BASIC.has(character)) return 1;
  if (EXTENDED.has(character)) return 2;
  return 0;
}

export function isGsm7(text: string): boolean {
  for (const character of text) if (gsmSeptets(character) === 0) return false;
  return true;
}

/** Splits `units` (each one character and its cost) into parts of at most `size`, never splitting a character. */
function split(characters: { text: string; cost: number }[], size: number): string[] {
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const { text, cost } of characters) {
    if (used + cost > size) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += text;
    used += cost;
  }
  if (current) parts.push(current);
  return parts;
}

export function smsSegments(text: string): SmsSegments {
  const characters = [...text]; // by code point: a surrogate pair stays one character
  const nonGsm = [...new Set(characters.filter((c) => gsmSeptets(c) === 0))];
  const encoding: SmsEncoding = nonGsm.length ? 'UCS-2' : 'GSM-7';
  const costed = characters.map((c) => ({ text: c, cost: encoding === 'GSM-7' ? gsmSeptets(c) : c.length }));
  const units = costed.reduce((sum, c) => sum + c.cost, 0);
  const single = encoding === 'GSM-7' ? GSM7_SINGLE : UCS2_SINGLE;
  const part = encoding === 'GSM-7' ? GSM7_PART : UCS2_PART;

  if (units === 0) return { encoding, units, segments: 0, perSegment: single, remaining: single, parts: [], nonGsmCharacters: nonGsm };
  if (units <= single) return { encoding, units, segments: 1, perSegment: single, remaining: single - units, parts: [text], nonGsmCharacters: nonGsm };
  const parts = split(costed, part);
  const last = [...parts.at(-1)!].reduce((sum, c) => sum + (encoding === 'GSM-7' ? gsmSeptets(c) : c.length), 0);
  return { encoding, units, segments: parts.length, perSegment: part, remaining: part - last, parts, nonGsmCharacters: nonGsm };
}
