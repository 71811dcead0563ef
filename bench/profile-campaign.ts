import { performance } from 'node:perf_hooks';
import { Dovecot, MAILBOX } from '../tests/helpers/dovecot.ts';
import { TestServer } from '../tests/helpers/test-server.ts';
import { Campaign } from '../src/store/entities/index.ts';
import { thread } from './thread.ts';

/**
 * Where one campaign send's time goes: `node bench/profile-campaign.ts [n] [--email]` (SQLite) or with DATABASE_URL set.
 * Sends a small campaign with the workers in this process, through the API channel to a local peer or, with
 * `--email`, through an email inbox (a real Dovecot for its IMAP side) to the bench's SMTP server; lists the SQL
 * statements of the sends and prints the send rate and this thread's CPU per send. Add `node --cpu-prof` for a profile.
 */
const n = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 500);
const email = process.argv.includes('--email');
const server = await TestServer.start({ config: { CAMPAIGN_CONCURRENCY: 32, CAMPAIGN_PROGRESS_MS: 1000 } });
const peer = thread<{ type: string }>(new URL(email ? './smtp-peer.ts' : './peer.ts', import.meta.url));
const dovecot = email ? await Dovecot.start() : null;
try {
  const peerAddress = await peer.run<string | number>({ type: 'start' });
  const admin = await server.login();
  const api = (method: 'POST' | 'GET', path: string, payload?: object) => server.app.inject({ method, url: `/api/v1${path}`, headers: admin.headers, payload }).then((r) => r.json());
  const inbox = dovecot
    ? await api('POST', '/inboxes', {
      kind: 'email', name: 'p', credentials: { imapPassword: MAILBOX.password },
      settings: { address: MAILBOX.address, imap: dovecot.imapSettings(), smtp: { host: '127.0.0.1', port: peerAddress, secure: false, maxConnections: 10 }, rateLimits: { perAccount: { max: 100_000, perMs: 1000 } } },
    })
    : await api('POST', '/inboxes', { kind: 'api', name: 'p', settings: { callbackUrl: `${peerAddress}/ok` } });
  const identity = (i: number) => (email ? { kind: 'email', value: `p${i}@campaign.test` } : { kind: 'api', value: `${inbox.id}:p${i}` });
  for (let i = 0; i < n; i++) await api('POST', '/contacts', { name: `P ${i}`, identities: [identity(i)], tags: ['p'] });
  const template = await api('POST', '/templates', {
    name: 'p',
    bodies: email
      ? { email: { subject: 'Spring sale', html: '<p>Hello {{ contact.name }}, our spring sale starts today.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' } }
      : { default: { text: 'Hello {{ contact.name }} {{ unsubscribe_url }}' } },
  });
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
  await dovecot?.stop();
}
process.exit(0);
