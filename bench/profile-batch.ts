import { performance } from 'node:perf_hooks';
import { TestServer } from '../tests/helpers/test-server.ts';

/**
 * CPU per message of the batched ingest path: `node --cpu-prof bench/profile-batch.ts [n]` (with DATABASE_URL for
 * PostgreSQL). 32 callers post new senders' messages through app.inject at once, so group commit forms batches
 * as in the bench's ingest phase; prints this thread's CPU and wall time per message.
 */
const n = Number(process.argv[2] ?? 6000);
const server = await TestServer.start({ workers: false });
try {
  const inbox = await server.inbox('api');
  const post = (i: number) => server.app.inject({ method: 'POST', url: `/api/v1/channels/api/${inbox.id}/messages`, headers: { authorization: `Bearer ${inbox.secret}` }, payload: { externalMessageId: `p-${i}`, sender: { externalUserId: `s-${i}`, name: `Sender ${i}` }, text: 'Hello, I have a question about my order.' } });
  async function run(from: number, count: number) {
    let next = from;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < from + count) {
        const response = await post(next++);
        if (response.statusCode !== 201) throw new Error(`${response.statusCode} ${response.body}`);
      }
    }));
  }
  await run(0, 500); // warm up
  const cpu = process.threadCpuUsage();
  const start = performance.now();
  await run(1_000_000, n);
  const { user, system } = process.threadCpuUsage(cpu);
  const wall = performance.now() - start;
  console.log(`${n} messages, concurrency 32: cpu ${((user + system) / 1000 / n).toFixed(3)} ms/msg   ${(n / wall * 1000).toFixed(0)} msg/s`);
} finally {
  await server.close();
}
process.exit(0);
