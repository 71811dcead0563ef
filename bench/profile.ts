import { performance } from 'node:perf_hooks';
import { TestServer } from '../tests/helpers/test-server.ts';
import { Inbox } from '../src/store/entities/index.ts';

/**
 * Where one ingest's time goes: `node bench/profile.ts` (SQLite) or with DATABASE_URL set
 * (PostgreSQL). Lists the SQL statements of one API-channel POST, then measures the server
 * thread's CPU per call for each layer: one ORM lookup, the ingest service alone, the whole route
 * through app.inject (no network, no socket client).
 */

const server = await TestServer.start({ workers: false });
try {
  const inbox = await server.inbox('api');
  const body = (i: number) => ({ externalMessageId: `p-${i}`, sender: { externalUserId: `s-${i}`, name: `Sender ${i}` }, text: 'Hello, I have a question about my order.' });
  const post = (i: number) => server.app.inject({ method: 'POST', url: `/api/v1/channels/api/${inbox.id}/messages`, headers: { authorization: `Bearer ${inbox.secret}` }, payload: body(i) });
  for (let i = 0; i < 300; i++) await post(i); // warm up

  const statements: string[] = [];
  // Every statement passes the logger's logQuery (whatever the debug setting); listen there for one POST.
  const logger = server.runtime.orm.config.getLogger();
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (context) => void statements.push(context.query ?? '');
  const response = await post(100_000);
  logger.logQuery = logQuery;
  console.log(`one POST → ${response.statusCode}, ${statements.length} statements:`);
  for (const line of statements) console.log(`  ${line.slice(0, 160)}`);

  /** Runs `step` n times, one after another; CPU ms of this thread and wall ms, per call. */
  async function perCall(label: string, n: number, step: (i: number) => Promise<unknown>) {
    const cpu = process.threadCpuUsage();
    const start = performance.now();
    for (let i = 0; i < n; i++) await step(i);
    const { user, system } = process.threadCpuUsage(cpu);
    console.log(`${label.padEnd(44)} cpu ${((user + system) / 1000 / n).toFixed(3)} ms   wall ${((performance.now() - start) / n).toFixed(3)} ms   per call`);
  }
  const n = 500;
  await perCall('fork + findOne(Inbox) (the route token check)', n, () => server.runtime.orm.em.fork().findOne(Inbox, { id: inbox.id, kind: 'api' }));
  await perCall('ingest.message (new sender, no HTTP)', n, (i) => server.services.ingest.message({ ...body(200_000 + i), inboxId: inbox.id, attachments: [], sentAt: new Date() }));
  await perCall('ingest.message (replay: duplicate)', n, (i) => server.services.ingest.message({ ...body(200_000 + i), inboxId: inbox.id, attachments: [], sentAt: new Date() }));
  await perCall('POST via app.inject (new sender)', n, (i) => post(300_000 + i));
} finally {
  await server.close();
}
process.exit(0);
