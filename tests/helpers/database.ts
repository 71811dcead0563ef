import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The PostgreSQL server to make test databases on, when the suite runs against PostgreSQL. */
export const POSTGRES_URL = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '') ? process.env.DATABASE_URL! : null;

export interface TestDatabase {
  env: { DATABASE_URL?: string; SQLITE_PATH?: string };
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL! });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A database of its own: a new PostgreSQL database, or a new SQLite file in a temp folder. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `crm_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (POSTGRES_URL) {
    await admin((c) => c.query(`create database ${name}`));
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    return {
      env: { DATABASE_URL: url.toString() },
      drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
    };
  }
  const file = join(tmpdir(), `${name}.sqlite`);
  return {
    env: { SQLITE_PATH: file },
    drop: async () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    },
  };
}
