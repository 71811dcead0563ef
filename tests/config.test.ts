import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('points PUBLIC_URL at the port the server listens on when it is not set', () => {
    expect(loadConfig({ PORT: '3999' }).PUBLIC_URL).toBe('http://localhost:3999');
    expect(loadConfig({}).PUBLIC_URL).toBe('http://localhost:3000');
  });

  it('keeps PUBLIC_URL as given', () => {
    expect(loadConfig({ PORT: '3999', PUBLIC_URL: 'https://crm.example' }).PUBLIC_URL).toBe('https://crm.example');
  });

  it('refuses a setting of the wrong type with a line naming it', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});
