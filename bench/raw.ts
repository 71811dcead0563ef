import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';

/**
 * The ceilings ingest is compared with: what the bare driver does with one single-row INSERT
 * at a time (autocommit, sequential), and what a bare Fastify route does over the same HTTP client.
 */

export interface RawInsertResult { rows: number; seconds: number; rate: number }

const BODY = 'Hello, I have a question about my order.';

/** A sequential autocommit INSERT loop on the bench's own PostgreSQL database through `pg`. */
export async function rawInsertPostgres(url: string, maxRows: number, maxMs: number): Promise<RawInsertResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table bench_raw (id serial primary key, body text not null, created_at timestamptz not null default now())');
    for (let i = 0; i < 200; i++) await client.query('insert into bench_raw (body) values ($1)', [BODY]); // warm up
    let rows = 0;
    const start = performance.now();
    while (rows < maxRows && performance.now() - start < maxMs) {
      await client.query({ name: 'bench-raw-insert', text: 'insert into bench_raw (body) values ($1)', values: [BODY] });
      rows++;
    }
    const seconds = (performance.now() - start) / 1000;
    await client.query('drop table bench_raw');
    return { rows, seconds, rate: rows / seconds };
  } finally {
    await client.end();
  }
}

/** The same loop on the bench's SQLite file through better-sqlite3, with the app's pragmas (src/store/orm.ts). */
export function rawInsertSqlite(file: string, maxRows: number, maxMs: number): RawInsertResult {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = wal');
    db.pragma('synchronous = normal');
    db.pragma('busy_timeout = 5000');
    db.exec("create table bench_raw (id integer primary key autoincrement, body text not null, created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))");
    const insert = db.prepare('insert into bench_raw (body) values (?)');
    for (let i = 0; i < 200; i++) insert.run(BODY);
    let rows = 0;
    const start = performance.now();
    // Synchronous driver: check the clock every 100 rows, not every row.
    while (rows < maxRows && performance.now() - start < maxMs) {
      for (let i = 0; i < 100; i++) insert.run(BODY);
      rows += 100;
    }
    const seconds = (performance.now() - start) / 1000;
    db.exec('drop table bench_raw');
    return { rows, seconds, rate: rows / seconds };
  } finally {
    db.close();
  }
}

/** A fresh Fastify app with one POST route answering {}; listening on loopback. */
export async function bareFastify(): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  app.post('/bare', async () => ({}));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}
