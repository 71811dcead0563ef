import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { Team } from '../../src/store/entities/index.ts';
import { openOrm } from '../../src/store/orm.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

const run = promisify(execFile);

describe('two processes writing to one database', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    await (await openOrm(loadConfig({}, database.env))).close(); // migrations, once
  });
  afterAll(() => database.drop());

  // A worker process beside the server (`npm run worker`) commits while the server's transactions are open: on
  // SQLite a transaction that had read before another process's commit used to fail with "database is locked".
  it('commits every read-then-write transaction of a server and a worker running side by side', { timeout: 60_000 }, async () => {
    const writer = (label: string) => run(process.execPath, ['tests/helpers/transaction-writer.ts', label, '300'], { env: { ...process.env, ...database.env } })
      .then(({ stdout }) => JSON.parse(stdout.trim().split('\n').at(-1)!) as { done: number; failed: number; firstError?: string });
    const results = await Promise.all([writer('server'), writer('worker')]);
    expect(results).toEqual([{ done: 300, failed: 0 }, { done: 300, failed: 0 }]);

    const orm = await openOrm(loadConfig({}, database.env));
    try {
      expect(await orm.em.fork().count(Team, {})).toBe(600);
    } finally {
      await orm.close();
    }
  });
});
