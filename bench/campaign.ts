import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import nodemailer from 'nodemailer';
import type { EntityManager } from '@mikro-orm/core';
import { Dovecot, MAILBOX } from '../tests/helpers/dovecot.ts';
import { TestServer, REDIS_URL } from '../tests/helpers/test-server.ts';
import { Campaign } from '../src/store/entities/index.ts';
import { dialectOfEm, rows, sqlTime } from '../src/store/sql.ts';
import { startCampaignWorker } from '../workers/campaign.worker.ts';
import type { LatencyResult, LoadCommand } from './load.ts';
import { thread } from './thread.ts';

/**
 * The campaign figures, in a process of its own (forked by run.ts with DATABASE_URL set or cleared):
 * 1. enqueue: a campaign of `recipients` cards streamed into the send ledger and the send queue, against raw BullMQ addBulk;
 * 2. send: that campaign sent through the API channel to a local HTTP peer by a worker process (`workers/main.ts`),
 *    against raw BullMQ processing no-op jobs;
 * 3. rate limit: a campaign through an inbox limited to `rate`/s, against a peer that enforces that rate (429s counted);
 * 4. inbound-to-operator p95 while the campaign of step 2 sends, against the same figure idle;
 * 5. email: a campaign through an email inbox (a real Dovecot for its IMAP side) to a local SMTP server, against raw
 *    nodemailer sending the same number of messages over the same pool settings to the same server;
 * 6. SMS: a campaign through an SMPP inbox limited to `rate`/s, against an SMS centre that enforces that rate
 *    (utilisation of the allowed rate, and how many submits it throttled).
 */

export interface CampaignSizes { recipients: number; rawJobs: number; rate: number; rateSeconds: number; latencyMs: number; latencyRate: number; sendConcurrency: number; sendMs: number; emails: number; emailMs: number }

export interface CampaignResult {
  dialect: 'sqlite' | 'postgresql';
  enqueue: { recipients: number; seconds: number; rate: number; heapGrowthMb: number; rssPeakMb: number };
  rawAddBulk: { jobs: number; seconds: number; rate: number };
  send: { sent: number; seconds: number; rate: number; failed: number };
  rawNoop: { jobs: number; seconds: number; rate: number };
  rateLimit: { configured: number; sent: number; seconds: number; rate: number; utilisation: number; throttled: number };
  latencyIdle: LatencyResult;
  latencyLoaded: LatencyResult;
  email: { sent: number; seconds: number; rate: number; failed: number };
  rawEmail: { sent: number; seconds: number; rate: number };
  sms: { configured: number; sent: number; seconds: number; rate: number; utilisation: number; throttled: number };
}

/** SMTP connections, ours and raw nodemailer's alike. */
const EMAIL_CONNECTIONS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`  [campaign ${process.env.DATABASE_URL ? 'postgresql' : 'sqlite'}] ${line}\n`);

/** Cards reachable on an API inbox (or by email), inserted with set-based SQL (creating them is not what is measured). */
async function insertCards(em: EntityManager, inboxId: number, count: number, tag: string, reach?: { email: string } | { phone: true }): Promise<void> {
  const dialect = dialectOfEm(em);
  const now = sqlTime(dialect, new Date());
  for (let done = 0; done < count; done += 1000) {
    const n = Math.min(1000, count - done);
    const ids = (await rows<{ id: number }>(em, `insert into contact (name, custom_fields, created_at, updated_at) values ${Array.from({ length: n }, () => "(?, '{}', ?, ?)").join(', ')} returning id`,
      Array.from({ length: n }, (_, i) => [`Bench ${done + i}`, now, now]).flat())).map((r) => Number(r.id));
    await rows(em, `insert into contact_identity (contact_id, kind, value, created_at) values ${ids.map(() => '(?, ?, ?, ?)').join(', ')}`,
      ids.flatMap((id) => (reach && 'email' in reach ? [id, 'email', `bench-${id}@${reach.email}`, now]
        : reach ? [id, 'phone', `+4915${String(id).padStart(9, '0')}`, now] : [id, 'api', `${inboxId}:bench-${id}`, now])));
    await rows(em, `insert into contact_tag (contact_id, tag) values ${ids.map(() => '(?, ?)').join(', ')}`, ids.flatMap((id) => [id, tag]));
  }
}

async function rawAddBulk(prefix: string, jobs: number): Promise<CampaignResult['rawAddBulk']> {
  const queue = new Queue('bench-raw-add', { connection: { url: REDIS_URL }, prefix });
  const start = performance.now();
  for (let done = 0; done < jobs; done += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, jobs - done) }, (_, i) => ({ name: 'send', data: { recipientId: done + i }, opts: { jobId: `r-${done + i}`, removeOnComplete: true } })));
  }
  const seconds = (performance.now() - start) / 1000;
  await queue.obliterate({ force: true });
  await queue.close();
  return { jobs, seconds, rate: jobs / seconds };
}

async function rawNoop(prefix: string, jobs: number, concurrency: number): Promise<CampaignResult['rawNoop']> {
  const connection = { url: REDIS_URL };
  const queue = new Queue('bench-raw-noop', { connection, prefix });
  for (let done = 0; done < jobs; done += 1000) await queue.addBulk(Array.from({ length: Math.min(1000, jobs - done) }, (_, i) => ({ name: 'noop', data: { i: done + i }, opts: { removeOnComplete: true } })));
  let processed = 0;
  const start = performance.now();
  const worker = new Worker('bench-raw-noop', async () => void processed++, { connection, prefix, concurrency });
  while (processed < jobs) await sleep(20);
  const seconds = (performance.now() - start) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { jobs, seconds, rate: jobs / seconds };
}

/** The raw limit for email: nodemailer alone, the same pool settings as the email channel, `concurrency` sends in flight. */
async function rawNodemailer(port: number, count: number, concurrency: number): Promise<CampaignResult['rawEmail']> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: EMAIL_CONNECTIONS, auth: { user: MAILBOX.address, pass: MAILBOX.password } });
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      await transport.sendMail({ from: MAILBOX.address, to: `raw-${i}@raw.test`, subject: 'Spring sale', text: `Hello Bench ${i}, our spring sale starts today.`, html: `<p>Hello Bench ${i}, our spring sale starts today.</p>` });
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  transport.close();
  return { sent: count, seconds, rate: count / seconds };
}

function startWorkerProcess(server: TestServer, concurrency: number): ChildProcess {
  const child = spawn(process.execPath, ['workers/main.ts'], {
    cwd: new URL('..', import.meta.url),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH ?? '', ...(server.database.env as Record<string, string>), DATA_DIR: server.config.DATA_DIR, REDIS_URL, REDIS_PREFIX: server.config.REDIS_PREFIX,
      PUBLIC_URL: server.config.PUBLIC_URL, CAMPAIGN_CONCURRENCY: String(concurrency), CAMPAIGN_BATCH_SIZE: '1000', LOG_LEVEL: 'warn', SHUTDOWN_TIMEOUT_MS: '2000',
    },
  });
  return child;
}

async function count(em: EntityManager, campaignId: number, statuses: string[]): Promise<number> {
  const [row] = await rows<{ n: number | string }>(em, `select count(*) as n from campaign_recipient where campaign_id = ? and status in (${statuses.map(() => '?').join(', ')})`, [campaignId, ...statuses]);
  return Number(row?.n ?? 0);
}

async function measure(sizes: CampaignSizes): Promise<CampaignResult> {
  const dialect = process.env.DATABASE_URL ? 'postgresql' : 'sqlite';
  const runId = randomBytes(4).toString('hex');
  const server = await TestServer.start({ workers: false, config: { REDIS_PREFIX: `crm-bench-${runId}`, CAMPAIGN_BATCH_SIZE: 1000 } });
  const peer = thread<{ type: string; path?: string }>(new URL('./peer.ts', import.meta.url));
  const load = thread<LoadCommand>(new URL('./load.ts', import.meta.url));
  const smtp = thread<{ type: string; domain?: string }>(new URL('./smtp-peer.ts', import.meta.url));
  const smsc = thread<{ type: string; rate?: number }>(new URL('./smsc-peer.ts', import.meta.url));
  let dovecot: Dovecot | null = null;
  let child: ChildProcess | null = null;
  process.once('SIGTERM', () => {
    child?.kill('SIGKILL');
    void Promise.all([peer.terminate(), load.terminate(), smtp.terminate(), smsc.terminate(), dovecot?.stop()]).then(() => server.close()).finally(() => process.exit(2));
  });
  try {
    const url = await server.listen();
    const peerUrl = await peer.run<string>({ type: 'start' });
    const admin = await server.login();
    const api = (method: 'POST' | 'GET', path: string, payload?: object) => server.app.inject({ method, url: `/api/v1${path}`, headers: admin.headers, payload }).then((r) => r.json());
    const em = server.runtime.orm.em.fork();

    // 1. Enqueue: the ledger and the queue, with no send worker running (jobs wait in Redis).
    const bulkInbox = await api('POST', '/inboxes', { kind: 'api', name: 'bench bulk', settings: { callbackUrl: `${peerUrl}/ok` } });
    log(`inserting ${sizes.recipients} cards`);
    await insertCards(em, bulkInbox.id, sizes.recipients, 'bulk');
    const template = await api('POST', '/templates', { name: 'bench', bodies: { default: { text: 'Hello {{ contact.name }}, our spring sale starts today. {{ unsubscribe_url }}' } } });
    const bulkSegment = await api('POST', '/segments', { name: 'bulk', filter: { tagsAll: ['bulk'] } });
    const bulk = await api('POST', '/campaigns', { name: 'bulk', templateId: template.id, segmentId: bulkSegment.id, channels: [bulkInbox.id] });
    log('enqueue');
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let rssPeak = process.memoryUsage().rss;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
    const expander = startCampaignWorker({ ...server.services, batchSize: 1000 }, server.runtime.redis, server.config.REDIS_PREFIX, 30_000);
    const enqueueStart = performance.now();
    await api('POST', `/campaigns/${bulk.id}/start`);
    while (!(await server.runtime.orm.em.fork().findOneOrFail(Campaign, bulk.id)).expandedAt) await sleep(20);
    const enqueueSeconds = (performance.now() - enqueueStart) / 1000;
    clearInterval(sampler);
    global.gc?.();
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    await expander.close();
    const waitingJobs = await server.services.queues.campaignSend.getWaitingCount();
    log(`enqueued ${waitingJobs} jobs in ${enqueueSeconds.toFixed(1)} s; raw addBulk`);
    const rawAdd = await rawAddBulk(server.config.REDIS_PREFIX, sizes.rawJobs);

    // 4a. Inbound latency, idle.
    const inbound = await api('POST', '/inboxes', { kind: 'api', name: 'bench inbound' });
    await load.run({ type: 'init', url, token: admin.token, inboxId: inbound.id, secret: inbound.secret, runId });
    await load.run({ type: 'ingest', label: 'warmup', count: 300, concurrency: 8, maxMs: 3000 });
    log('inbound latency, idle');
    const latencyIdle = await load.run<LatencyResult>({ type: 'latency', label: 'idle', rate: sizes.latencyRate, maxMs: sizes.latencyMs, maxInFlight: 1000 });

    // 2. Send, with the latency measured again while it runs (4b).
    log('send (worker process)');
    child = startWorkerProcess(server, sizes.sendConcurrency);
    while ((await count(em, bulk.id, ['sent', 'failed'])) === 0) await sleep(50);
    const sendStart = performance.now();
    const startedAt = await count(em, bulk.id, ['sent', 'failed']);
    const loadedRun = load.run<LatencyResult>({ type: 'latency', label: 'loaded', rate: sizes.latencyRate, maxMs: sizes.latencyMs, maxInFlight: 1000 });
    let done = startedAt;
    let lastLog = performance.now();
    // Bounded in time as well as count: a busy machine gives a lower figure, not a hung run.
    while (done < sizes.recipients && performance.now() - sendStart < sizes.sendMs) {
      await sleep(200);
      done = await count(em, bulk.id, ['sent', 'failed', 'unknown', 'skipped']);
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`  ${done} of ${sizes.recipients} sent (${((done - startedAt) / ((lastLog - sendStart) / 1000)).toFixed(0)}/s)`);
      }
    }
    const sendSeconds = (performance.now() - sendStart) / 1000;
    const latencyLoaded = await loadedRun;
    const failed = await count(em, bulk.id, ['failed', 'unknown']);
    const send = { sent: done - startedAt, seconds: sendSeconds, rate: (done - startedAt) / sendSeconds, failed };
    if (done < sizes.recipients) {
      // Stop the rest, so the next phase has the worker to itself.
      await api('POST', `/campaigns/${bulk.id}/cancel`);
      await server.services.queues.campaignSend.drain(true);
    }
    log('raw no-op processing');
    const noop = await rawNoop(server.config.REDIS_PREFIX, sizes.rawJobs, sizes.sendConcurrency);

    // 3. Rate limit: a peer that enforces the rate, an inbox configured with it.
    log(`rate limit ${sizes.rate}/s`);
    const limitedPath = `/limited/${sizes.rate}`;
    const limitedInbox = await api('POST', '/inboxes', { kind: 'api', name: 'bench limited', settings: { callbackUrl: `${peerUrl}${limitedPath}`, rateLimits: { perAccount: { max: sizes.rate, perMs: 1000 } } } });
    const limitedCount = sizes.rate * sizes.rateSeconds;
    await insertCards(em, limitedInbox.id, limitedCount, 'limited');
    const limitedSegment = await api('POST', '/segments', { name: 'limited', filter: { tagsAll: ['limited'] } });
    const limited = await api('POST', '/campaigns', { name: 'limited', templateId: template.id, segmentId: limitedSegment.id, channels: [limitedInbox.id] });
    await api('POST', `/campaigns/${limited.id}/start`);
    while ((await count(em, limited.id, ['sent', 'failed', 'unknown', 'skipped'])) < limitedCount) await sleep(200);
    const peerStats = await peer.run<{ count: number; throttled: number; first: number; last: number }>({ type: 'stats', path: limitedPath });
    // Campaign sends go out evenly (no initial burst), so the rate is arrivals over the time between the first and the last.
    const steadySeconds = (peerStats.last - peerStats.first) / 1000;
    const steadyRate = (peerStats.count - 1) / steadySeconds;
    const rateLimit = { configured: sizes.rate, sent: peerStats.count, seconds: steadySeconds, rate: steadyRate, utilisation: steadyRate / sizes.rate, throttled: peerStats.throttled };

    // 5. Email: a campaign to a local SMTP server, then raw nodemailer to the same server.
    log(`email campaign of ${sizes.emails} to the SMTP sink`);
    dovecot = await Dovecot.start();
    const smtpPort = await smtp.run<number>({ type: 'start' });
    const emailInbox = await api('POST', '/inboxes', {
      kind: 'email', name: 'bench email',
      settings: { address: MAILBOX.address, imap: dovecot.imapSettings(), smtp: { host: '127.0.0.1', port: smtpPort, secure: false, maxConnections: EMAIL_CONNECTIONS }, rateLimits: { perAccount: { max: 100_000, perMs: 1000 } } },
      credentials: { imapPassword: MAILBOX.password },
    });
    if (!emailInbox.id) throw new Error(`creating the email inbox failed: ${JSON.stringify(emailInbox)}`);
    await insertCards(em, emailInbox.id, sizes.emails, 'email', { email: 'campaign.test' });
    const emailTemplate = await api('POST', '/templates', { name: 'bench email', bodies: { email: { subject: 'Spring sale', html: '<p>Hello {{ contact.name }}, our spring sale starts today.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' } } });
    const emailSegment = await api('POST', '/segments', { name: 'email', filter: { tagsAll: ['email'] } });
    const emailCampaign = await api('POST', '/campaigns', { name: 'email', templateId: emailTemplate.id, segmentId: emailSegment.id, channels: [emailInbox.id] });
    await api('POST', `/campaigns/${emailCampaign.id}/start`);
    const emailStart = performance.now();
    let emailDone = 0;
    while (emailDone < sizes.emails && performance.now() - emailStart < sizes.emailMs) {
      await sleep(200);
      emailDone = await count(em, emailCampaign.id, ['sent', 'failed', 'unknown', 'skipped']);
    }
    const sink = await smtp.run<{ count: number; first: number; last: number }>({ type: 'stats', domain: 'campaign.test' });
    const emailSeconds = sink.count > 1 ? (sink.last - sink.first) / 1000 : (performance.now() - emailStart) / 1000;
    const email = { sent: sink.count, seconds: emailSeconds, rate: sink.count / emailSeconds, failed: await count(em, emailCampaign.id, ['failed', 'unknown']) };
    if (emailDone < sizes.emails) await api('POST', `/campaigns/${emailCampaign.id}/cancel`);
    log('raw nodemailer');
    const rawEmail = await rawNodemailer(smtpPort, sizes.emails, sizes.sendConcurrency);

    // 6. SMS: an SMPP inbox at the configured rate, an SMS centre enforcing it.
    log(`SMS campaign at ${sizes.rate}/s through SMPP`);
    const smscUrl = await smsc.run<string>({ type: 'start', rate: sizes.rate });
    const smsInbox = await api('POST', '/inboxes', { kind: 'sms', name: 'bench sms', settings: { provider: 'smpp', url: smscUrl, from: 'Shop', rateLimits: { perAccount: { max: sizes.rate, perMs: 1000 } } }, credentials: { systemId: 'bench', password: 'bench' } });
    if (!smsInbox.id) throw new Error(`creating the SMS inbox failed: ${JSON.stringify(smsInbox)}`);
    const smsCount = sizes.rate * sizes.rateSeconds;
    await insertCards(em, smsInbox.id, smsCount, 'sms', { phone: true });
    const smsSegment = await api('POST', '/segments', { name: 'sms', filter: { tagsAll: ['sms'] } });
    const smsCampaign = await api('POST', '/campaigns', { name: 'sms', templateId: template.id, segmentId: smsSegment.id, channels: [smsInbox.id] });
    await api('POST', `/campaigns/${smsCampaign.id}/start`);
    const smsStart = performance.now();
    while ((await count(em, smsCampaign.id, ['sent', 'failed', 'unknown', 'skipped'])) < smsCount && performance.now() - smsStart < sizes.rateSeconds * 3000) await sleep(200);
    const smscStats = await smsc.run<{ count: number; throttled: number; first: number; last: number }>({ type: 'stats' });
    const smsSeconds = (smscStats.last - smscStats.first) / 1000;
    const smsRate = (smscStats.count - 1) / smsSeconds;
    const sms = { configured: sizes.rate, sent: smscStats.count, seconds: smsSeconds, rate: smsRate, utilisation: smsRate / sizes.rate, throttled: smscStats.throttled };

    await load.run({ type: 'close' });
    return {
      dialect,
      enqueue: { recipients: sizes.recipients, seconds: enqueueSeconds, rate: sizes.recipients / enqueueSeconds, heapGrowthMb, rssPeakMb: rssPeak / 1e6 },
      rawAddBulk: rawAdd,
      send,
      rawNoop: noop,
      rateLimit,
      latencyIdle,
      latencyLoaded,
      email,
      rawEmail,
      sms,
    };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child!.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    await load.terminate();
    await peer.terminate();
    await smtp.terminate();
    await smsc.terminate();
    await server.close();
    await dovecot?.stop();
  }
}

const sizes = JSON.parse(process.argv[2] ?? '{}') as CampaignSizes;
measure(sizes).then(
  (result) => {
    if (process.send) process.send(result, () => process.exit(0));
    else {
      console.log(JSON.stringify(result, null, 2));
      process.exit(0);
    }
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
