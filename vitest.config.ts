import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    // Each test file makes its own database and Redis prefix, so files can run side by side.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // expect.poll waits for what a user would wait for (a debounced request, a live push): vitest's default of
    // 1 s failed browser tests on a busy CI machine; polling still ends the moment the condition holds.
    expect: { poll: { timeout: 10_000 } },
  },
});
