import { describe, expect, it } from 'vitest';
import { plainLiquidProblem } from '../../web/operator/src/components/marketing/liquid-words.ts';
import { toFilter, toForm } from '../../web/operator/src/components/marketing/segment-form.ts';

/** The segment builder's form ↔ the API's filter, and the template editor's wording of Liquid errors (pure functions of the web app). */
describe('the segment builder form', () => {
  it('turns what was typed into the API filter, leaving out what was left empty', () => {
    const form = toForm();
    expect(toFilter(form)).toEqual({});
    const filter = toFilter({
      ...form,
      tagsAny: ' vip, gold ,, vip',
      presence: { email: 'has', phone: 'any', telegram: 'hasNot', whatsapp: 'any' },
      fields: [{ field: 'points', op: 'gte', value: '100' }, { field: 'plan', op: 'in', value: 'gold, silver' }, { field: 'nick', op: 'exists', value: 'ignored' }, { field: ' ', op: 'eq', value: 'no name: dropped' }],
      activity: 'within',
      activityDays: '90',
      createdAfter: '2026-01-01',
      createdBefore: '2026-01-31',
      months: [12, 1],
      languages: 'de',
    });
    expect(filter).toEqual({
      tagsAny: ['vip', 'gold'],
      has: ['email'],
      hasNot: ['telegram'],
      customFields: [{ field: 'points', op: 'gte', value: 100 }, { field: 'plan', op: 'in', value: ['gold', 'silver'] }, { field: 'nick', op: 'exists' }],
      lastActivity: { withinDays: 90 },
      // "On or before" the 31st includes that whole day.
      created: { after: '2026-01-01T00:00:00.000Z', before: '2026-02-01T00:00:00.000Z' },
      birthdayMonths: [1, 12],
      languages: ['de'],
    });
  });

  it('loads a saved filter back into the same form', () => {
    const filter = { tagsAll: ['newsletter'], tagsNone: ['churned'], hasNot: ['phone'], customFields: [{ field: 'plan', op: 'eq' as const, value: 'gold' }], lastActivity: { never: true }, created: { before: '2026-02-01T00:00:00.000Z' }, birthdayMonths: [3] };
    expect(toFilter(toForm(filter))).toEqual(filter);
    expect(toForm({ lastActivity: { olderThanDays: 30 } })).toMatchObject({ activity: 'older', activityDays: '30' });
  });
});

describe('Liquid problems in plain words', () => {
  it('says what is wrong and where for the template engine\'s syntax errors, and passes the server\'s own words through', () => {
    expect(plainLiquidProblem('output "{{ contact.name" not closed, line:1, col:4')).toBe('A "{{" is never closed: "{{ contact.name" needs "}}" at its end. (line 1, column 4)');
    expect(plainLiquidProblem('tag {% if x %} not closed, line:2, col:1')).toBe('The "{% if %}" block is never closed: add "{% endif %}". (line 2, column 1)');
    expect(plainLiquidProblem('tag "endfor" not found, line:3, col:5')).toBe('There is an "{% endfor %}" without its opening "{% for %}". (line 3, column 5)');
    expect(plainLiquidProblem('tag "foo" not found, line:1, col:1')).toBe('"{% foo %}" is not a Liquid tag. (line 1, column 1)');
    expect(plainLiquidProblem('undefined filter: upcase2, line:1, col:4')).toBe('There is no filter called "upcase2". (line 1, column 4)');
    const ours = 'Unknown custom field "plan" in "contact.custom.plan": no card has it (check the spelling)';
    expect(plainLiquidProblem(ours)).toBe(ours);
  });
});
