import { randomBytes } from 'node:crypto';
import { TestServer } from '../tests/helpers/test-server.ts';
import type { HammerResult, IngestResult, LatencyResult, LoadCommand } from './load.ts';
import { thread } from './thread.ts';
import { bareFastify, rawInsertPostgres, rawInsertSqlite, type RawInsertResult } from './raw.ts';

/**
 * One database's measurements, in a process of its own (forked by run.ts with DATABASE_URL set
 * or cleared, which the test harness reads at import). The server runs in this process's main
 * thread; the load generator in a worker thread (bench/load.ts).
 */

export interface Sizes {
  warmup: number;
  warmupMs: number;
  ingest: number;
  ingestMs: number;
  latencyMs: number;
  rawRows: number;
  rawMs: number;
  hammer: number;
  hammerMs: number;
  hammerWarmMs: number;
  concurrency: number;
}

export interface DialectResult {
  dialect: 'sqlite' | 'postgresql';
  ingest: IngestResult & { serverCpuMs: number };
  latency: LatencyResult;
  rawInsert: RawInsertResult;
  bareHttp: HammerResult & { serverCpuMs: number };
}

/** CPU time this (the server's) thread spends while `work` runs, per completed item: robust to a busy machine, unlike rates. */
async function withCpu<T extends { done: number }>(work: () => Promise<T>): Promise<T & { serverCpuMs: number }> {
  const before = process.threadCpuUsage();
  const result = await work();
  const { user, system } = process.threadCpuUsage(before);
  return { ...result, serverCpuMs: (user + system) / 1000 / Math.max(1, result.done) };
}

const loadGenerator = () => thread<LoadCommand>(new URL('./load.ts', import.meta.url));

async function measure(sizes: Sizes): Promise<DialectResult> {
  const dialect = process.env.DATABASE_URL ? 'postgresql' : 'sqlite';
  const runId = randomBytes(4).toString('hex');
  const log = (line: string) => process.stderr.write(`  [${dialect}] ${line}\n`);
  const server = await TestServer.start({ workers: false, config: { REDIS_PREFIX: `crm-bench-${runId}` } });
  const load = loadGenerator();
  // run.ts sends SIGTERM when this process overruns: still drop the database and the Redis keys.
  process.once('SIGTERM', () => {
    log('stopped by run.ts: cleaning up');
    void load.terminate().then(() => server.close()).finally(() => process.exit(2));
  });
  try {
    const url = await server.listen();
    const admin = await server.login();
    const inbox = await server.inbox('api');

    log('raw insert');
    const db = server.database.env;
    const rawInsert = db.DATABASE_URL ? await rawInsertPostgres(db.DATABASE_URL, sizes.rawRows, sizes.rawMs) : rawInsertSqlite(db.SQLITE_PATH!, sizes.rawRows, sizes.rawMs);

    log('bare fastify');
    const bare = await bareFastify();
    await load.run({ type: 'hammer', url: bare.url, path: '/bare', count: 5000, concurrency: sizes.concurrency, maxMs: sizes.hammerWarmMs }); // warm up
    const bareHttp = await withCpu(() => load.run<HammerResult>({ type: 'hammer', url: bare.url, path: '/bare', count: sizes.hammer, concurrency: sizes.concurrency, maxMs: sizes.hammerMs }));
    await bare.close();

    log('ingest');
    await load.run({ type: 'init', url, token: admin.token, inboxId: inbox.id, secret: inbox.secret, runId });
    await load.run({ type: 'ingest', label: 'warmup', count: sizes.warmup, concurrency: sizes.concurrency, maxMs: sizes.warmupMs });
    const ingest = await withCpu(() => load.run<IngestResult>({ type: 'ingest', label: 'ingest', count: sizes.ingest, concurrency: sizes.concurrency, maxMs: sizes.ingestMs }));

    log('latency');
    const latency = await load.run<LatencyResult>({ type: 'latency', label: 'latency', rate: Math.max(1, ingest.rate / 2), maxMs: sizes.latencyMs, maxInFlight: 1000 });
    await load.run({ type: 'close' });
    return { dialect, ingest, latency, rawInsert, bareHttp };
  } finally {
    await load.terminate();
    await server.close(); // drops the database and deletes the Redis prefix's keys
  }
}

const sizes = JSON.parse(process.argv[2] ?? '{}') as Sizes;
measure(sizes).then(
  (result) => {
    // Exit explicitly: pooled connections would otherwise keep the process alive a while.
    if (process.send) process.send(result, () => process.exit(0));
    else {
      console.log(JSON.stringify(result, null, 2)); // run by hand, e.g. under --cpu-prof
      process.exit(0);
    }
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
