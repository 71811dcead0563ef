import { describe, expect, it } from 'vitest';
import { splitText } from '../../../channels/telegram/split-text.ts';

describe('splitting long Telegram texts', () => {
  it('leaves a text within the limit whole', () => {
    expect(splitText('short', 10)).toEqual(['short']);
    expect(splitText('', 10)).toEqual(['']);
  });

  it('cuts at the last paragraph break before the limit', () => {
    expect(splitText('first para\n\nsecond para', 15)).toEqual(['first para', 'second para']);
  });

  it('cuts at a space when a paragraph is longer than the limit, keeping words whole', () => {
    const parts = splitText('alpha beta gamma delta epsilon', 12);
    expect(parts).toEqual(['alpha beta', 'gamma delta', 'epsilon']);
  });

  it('cuts inside a word only when one word is longer than the limit, never inside an emoji', () => {
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    const parts = splitText('aaa😀bbb', 4);
    expect(parts.join('')).toBe('aaa😀bbb');
    for (const part of parts) expect(part).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
  });

  it('splits 10 000 characters into parts of at most 4096 that add up to the whole text', () => {
    const text = Array.from({ length: 1500 }, (_, i) => `w${i}`).join(' ');
    const parts = splitText(text);
    expect(parts.every((p) => p.length <= 4096)).toBe(true);
    expect(parts.join(' ')).toBe(text);
  });
});
