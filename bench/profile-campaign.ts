import { performance } from 'node:perf_hooks';
import { TestServer } from '../tests/helpers/test-server.ts';
import { Campaign } from '../src/store/entities/index.ts';
import { thread } from './thread.ts';

/**
 * Where one campaign send's time goes: `node bench/profile-campaign.ts` (SQLite) or with DATABASE_URL set.
 * Sends a small campaign through the API channel to a local peer with the workers in this process, lists
 * the SQL statements of the sends, and prints the send rate and this thread's CPU per send.
 */
const n = Number(process.argv[2] ?? 500);
const server = await TestServer.start({ config: { CAMPAIGN_CONCURRENCY: 32, CAMPAIGN_PROGRESS_MS: 1000 } });
const peer = thread<{ type: string }>(new URL('./peer.ts', import.meta.url));
try {
  const peerUrl = await peer.run<string>({ type: 'start' });
  const admin = await server.login();
  const api = (method: 'POST' | 'GET', path: string, payload?: object) => server.app.inject({ method, url: `/api/v1${path}`, headers: admin.headers, payload }).then((r) => r.json());
  const inbox = await api('POST', '/inboxes', { kind: 'api', name: 'p', settings: { callbackUrl: `${peerUrl}/ok` } });
  for (let i = 0; i < n; i++) await api('POST', '/contacts', { name: `P ${i}`, identities: [{ kind: 'api', value: `${inbox.id}:p${i}` }], tags: ['p'] });
  const template = await api('POST', '/templates', { name: 'p', bodies: { default: { text: 'Hello {{ contact.name }} {{ unsubscribe_url }}' } } });
  const segment = await api('POST', '/segments', { name: 'p', filter: { tagsAll: ['p'] } });
  const campaign = await api('POST', '/campaigns', { name: 'p', templateId: template.id, segmentId: segment.id, channels: [inbox.id] });
  const statements = new Map<string, number>();
  const logger = server.runtime.orm.config.getLogger();
  logger.logQuery = (context) => {
    const key = (context.query ?? '').replace(/\d+/g, 'N').slice(0, 110);
    statements.set(key, (statements.get(key) ?? 0) + 1);
  };
  const cpu = process.threadCpuUsage();
  const start = performance.now();
  await api('POST', `/campaigns/${campaign.id}/start`);
  while ((await server.runtime.orm.em.fork().findOneOrFail(Campaign, campaign.id)).state !== 'completed') await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - start) / 1000;
  const { user, system } = process.threadCpuUsage(cpu);
  console.log(`${n} sends in ${seconds.toFixed(2)} s = ${(n / seconds).toFixed(0)}/s; cpu ${((user + system) / 1000 / n).toFixed(2)} ms per send`);
  for (const [sql, count] of [...statements].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(count / n).toFixed(2)} per send  ${sql}`);
} finally {
  await peer.terminate();
  await server.close();
}
process.exit(0);
