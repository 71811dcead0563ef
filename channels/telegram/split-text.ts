/** Telegram's longest message text, in UTF-16 code units after entity parsing (https://core.telegram.org/bots/api#sendmessage). */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** A caption under a photo or document (https://core.telegram.org/bots/api#sendphoto). */
export const TELEGRAM_CAPTION_LIMIT = 1024;

/**
 * Splits a text into parts of at most `limit` characters, cutting at the last paragraph break, else line break,
 * else space before the limit, so words stay whole; only a single word longer than the limit is cut inside.
 * A surrogate pair is never cut in two.
 */
export function splitText(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = -1;
    for (const separator of ['\n\n', '\n', ' ']) {
      const at = window.lastIndexOf(separator, limit);
      if (at > 0) {
        cut = at;
        break;
      }
    }
    let part: string;
    if (cut > 0) {
      part = rest.slice(0, cut);
      rest = rest.slice(cut).replace(/^\s+/, '');
    } else {
      let end = limit;
      const code = rest.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end -= 1; // a high surrogate: keep its pair together
      part = rest.slice(0, end);
      rest = rest.slice(end);
    }
    part = part.replace(/\s+$/, '');
    if (part) parts.push(part);
  }
  if (rest.trim() || parts.length === 0) parts.push(rest);
  return parts;
}
