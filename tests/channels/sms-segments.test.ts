import { describe, expect, it } from 'vitest';
import { isGsm7, smsSegments } from '../../channels/sms/sms-segments.ts';

describe('SMS segment counting', () => {
  it('counts nothing for an empty text', () => {
    expect(smsSegments('')).toMatchObject({ encoding: 'GSM-7', units: 0, segments: 0, parts: [] });
  });

  it('fits 160 GSM-7 characters in one SMS and needs a second at 161, split 153 + 8', () => {
    expect(smsSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1, remaining: 0 });
    const long = smsSegments('a'.repeat(161));
    expect(long).toMatchObject({ encoding: 'GSM-7', units: 161, segments: 2, perSegment: 153, remaining: 153 - 8 });
    expect(long.parts.map((p) => p.length)).toEqual([153, 8]);
  });

  it('counts 306 GSM-7 characters as exactly two parts and 307 as three', () => {
    expect(smsSegments('x'.repeat(306)).segments).toBe(2);
    expect(smsSegments('x'.repeat(307)).segments).toBe(3);
  });

  it('charges two septets for extension characters such as € and { }', () => {
    expect(smsSegments('€')).toMatchObject({ encoding: 'GSM-7', units: 2 });
    expect(smsSegments('{'.repeat(80))).toMatchObject({ units: 160, segments: 1 });
    expect(smsSegments('{'.repeat(81))).toMatchObject({ units: 162, segments: 2 });
  });

  it('never splits an escaped character across two parts', () => {
    // 152 plain septets, then € (2 septets) would straddle the 153-septet boundary: it moves to part two.
    const result = smsSegments(`${'a'.repeat(152)}€${'b'.repeat(10)}`);
    expect(result.parts[0]).toBe('a'.repeat(152));
    expect(result.parts[1]!.startsWith('€')).toBe(true);
    expect(result.segments).toBe(2);
  });

  it('keeps GSM-7 for accented letters of the GSM alphabet (é, ü, ñ, Ä) and Greek capitals', () => {
    expect(isGsm7('Café über Niño Äpfel ΔΩ')).toBe(true);
    expect(smsSegments('Café').encoding).toBe('GSM-7');
  });

  it('switches the whole text to UCS-2 for one character outside the alphabet, and says which', () => {
    const result = smsSegments('It’s ready – ç');
    expect(result.encoding).toBe('UCS-2');
    expect(result.nonGsmCharacters).toEqual(['’', '–', 'ç']);
  });

  it('fits 70 UCS-2 units in one SMS and splits longer texts into parts of 67', () => {
    expect(smsSegments('Привет'.padEnd(70, 'ж'))).toMatchObject({ encoding: 'UCS-2', units: 70, segments: 1 });
    const long = smsSegments('ж'.repeat(71));
    expect(long).toMatchObject({ segments: 2, perSegment: 67 });
    expect(long.parts.map((p) => p.length)).toEqual([67, 4]);
    expect(smsSegments('ж'.repeat(134)).segments).toBe(2);
    expect(smsSegments('ж'.repeat(135)).segments).toBe(3);
  });

  it('counts an emoji as two UCS-2 units and never splits its surrogate pair', () => {
    expect(smsSegments('🎉')).toMatchObject({ encoding: 'UCS-2', units: 2, segments: 1 });
    // 66 units, then a 2-unit emoji that would straddle the 67-unit boundary.
    const result = smsSegments(`${'ж'.repeat(66)}🎉${'ж'.repeat(10)}`);
    expect(result.parts[0]).toBe('ж'.repeat(66));
    expect(result.parts[1]!.startsWith('🎉')).toBe(true);
    expect(result.parts.join('')).toBe(`${'ж'.repeat(66)}🎉${'ж'.repeat(10)}`);
  });

  it('joins the parts back into the original text', () => {
    const text = `Hello {name}, your order [#42] ships today! € ${'x'.repeat(300)}`;
    expect(smsSegments(text).parts.join('')).toBe(text);
  });
});
