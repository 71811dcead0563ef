import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { CampaignResult, CampaignSizes } from './campaign.ts';
import type { DialectResult, Sizes } from './dialect.ts';

/**
 * `npm run bench [-- --quick] [-- --only=sqlite|postgresql] [-- --part=core|campaign]`: API-channel ingest throughput
 * and latency on SQLite and on PostgreSQL, each next to the raw limits measured in the same run (a bare single-row
 * INSERT loop, a bare Fastify route); then the campaign figures (bench/campaign.ts): enqueue rate against raw BullMQ
 * addBulk, send rate against raw BullMQ no-op processing, rate-limit utilisation, inbound p95 under a campaign.
 * Prints one line per figure and writes bench/last.json. Each database runs in its own child process.
 */

const POSTGRES_SERVER = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const part = process.argv.find((a) => a.startsWith('--part='))?.slice('--part='.length);

/** Targets from the issue. */
const TARGET_INGEST_RATIO = 0.5; // of the raw INSERT rate, on PostgreSQL
const TARGET_P99_MS = 50;
const TARGET_ENQUEUE_RATIO = 0.4; // of raw BullMQ addBulk
const TARGET_UTILISATION = 0.9;
const TARGET_LOADED_P95_RATIO = 2; // inbound p95 while a campaign sends, over idle
const TARGET_EMAILS_PER_S = 1000;

// Every phase is bounded in time as well as count, so a busy machine gives lower figures, not a hung run.
const sizes: Sizes = quick
  ? { warmup: 300, warmupMs: 2000, ingest: 2000, ingestMs: 9000, latencyMs: 3000, rawRows: 100_000, rawMs: 1500, hammer: 50_000, hammerMs: 1500, hammerWarmMs: 500, concurrency: 32 }
  : { warmup: 1000, warmupMs: 10_000, ingest: 20_000, ingestMs: 60_000, latencyMs: 20_000, rawRows: 1_000_000, rawMs: 8000, hammer: 500_000, hammerMs: 8000, hammerWarmMs: 2000, concurrency: 32 };
const campaignSizes: CampaignSizes = quick
  ? { recipients: 10_000, rawJobs: 10_000, rate: 50, rateSeconds: 6, latencyMs: 4000, latencyRate: 50, sendConcurrency: 32, sendMs: 15_000, emails: 3000, emailMs: 15_000 }
  : { recipients: 100_000, rawJobs: 100_000, rate: 200, rateSeconds: 15, latencyMs: 20_000, latencyRate: 50, sendConcurrency: 32, sendMs: 180_000, emails: 30_000, emailMs: 120_000 };
/** A child that overruns gets SIGTERM (it drops its database and exits), then SIGKILL, so the whole run stays bounded. */
const CHILD_LIMIT_MS = quick ? 26_000 : 240_000;
const CAMPAIGN_LIMIT_MS = quick ? 150_000 : 900_000;
const CLEANUP_GRACE_MS = 3000;

function runChild<T>(script: string, name: string, args: unknown, env: NodeJS.ProcessEnv, limitMs: number, execArgv: string[] = []): Promise<T> {
  const child = fork(new URL(script, import.meta.url), [JSON.stringify(args)], { env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: T | null = null;
    let overran = false;
    const timer = setTimeout(() => {
      overran = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), CLEANUP_GRACE_MS).unref();
    }, limitMs);
    child.on('message', (message) => (result = message as T));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (overran) return reject(new Error(`${name}: gave up after ${limitMs} ms`));
      if (result) resolve(result);
      else reject(new Error(`${name}: bench process exited with ${code}`));
    });
  });
}

const dbEnv = (dialect: 'sqlite' | 'postgresql') => ({ ...process.env, DATABASE_URL: dialect === 'postgresql' ? POSTGRES_SERVER : '' });
const runDialect = (dialect: 'sqlite' | 'postgresql') => runChild<DialectResult>('./dialect.ts', dialect, sizes, dbEnv(dialect), CHILD_LIMIT_MS);
// --expose-gc: the enqueue phase collects garbage before and after, so its heap figure is what the campaign kept.
const runCampaign = (dialect: 'sqlite' | 'postgresql') => runChild<CampaignResult>('./campaign.ts', `campaign ${dialect}`, campaignSizes, dbEnv(dialect), CAMPAIGN_LIMIT_MS, ['--expose-gc']);

interface Figure { name: string; value: number; unit: string; raw: string | null; rawValue: number | null; ratio: number | null }

const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const pad = (s: string) => s.padEnd(11);

function figures(r: DialectResult): { lines: string[]; json: Figure[] } {
  const d = r.dialect;
  const insertRatio = r.ingest.rate / r.rawInsert.rate;
  const httpRatio = r.ingest.rate / r.bareHttp.rate;
  const p99Met = r.latency.p99 < TARGET_P99_MS && r.latency.errors === 0;
  const lines = [
    `${pad(d)} ingest ${round(r.ingest.rate)} msg/s   raw insert ${round(r.rawInsert.rate)} rows/s   ratio ${insertRatio.toFixed(2)}` +
      (d === 'postgresql' ? `   (target ≥ ${TARGET_INGEST_RATIO}: ${insertRatio >= TARGET_INGEST_RATIO ? 'met' : 'NOT met'})` : ''),
    `${pad(d)} ingest ${round(r.ingest.rate)} msg/s   bare fastify ${round(r.bareHttp.rate)} req/s   ratio ${httpRatio.toFixed(2)}`,
    `${pad(d)} latency p50 ${r.latency.p50.toFixed(1)} ms   p99 ${r.latency.p99.toFixed(1)} ms   max ${r.latency.max.toFixed(1)} ms   at ${round(r.latency.rate)} msg/s open loop   (target p99 < ${TARGET_P99_MS} ms: ${p99Met ? 'met' : 'NOT met'})`,
    `${pad(d)} server thread CPU: ingest ${r.ingest.serverCpuMs.toFixed(2)} ms/msg   bare fastify ${r.bareHttp.serverCpuMs.toFixed(3)} ms/req`,
    `${pad(d)} counts: ingest ${r.ingest.done} received, ${r.ingest.errors} failed in ${r.ingest.seconds.toFixed(1)} s; latency ${r.latency.done}/${r.latency.sent} received, ${r.latency.errors} failed; raw ${r.rawInsert.rows} rows; bare ${r.bareHttp.done} requests`,
  ];
  const json: Figure[] = [
    { name: `${d} ingest`, value: round(r.ingest.rate, 1), unit: 'msg/s', raw: 'raw insert', rawValue: round(r.rawInsert.rate, 1), ratio: round(insertRatio, 3) },
    { name: `${d} ingest vs http`, value: round(r.ingest.rate, 1), unit: 'msg/s', raw: 'bare fastify', rawValue: round(r.bareHttp.rate, 1), ratio: round(httpRatio, 3) },
    { name: `${d} ingest server cpu`, value: round(r.ingest.serverCpuMs, 3), unit: 'ms/msg', raw: 'bare fastify', rawValue: round(r.bareHttp.serverCpuMs, 3), ratio: round(r.ingest.serverCpuMs / r.bareHttp.serverCpuMs, 1) },
    { name: `${d} latency p50`, value: round(r.latency.p50, 2), unit: 'ms', raw: null, rawValue: null, ratio: null },
    { name: `${d} latency p99`, value: round(r.latency.p99, 2), unit: 'ms', raw: 'target', rawValue: TARGET_P99_MS, ratio: round(r.latency.p99 / TARGET_P99_MS, 3) },
  ];
  return { lines, json };
}

function campaignFigures(r: CampaignResult): { lines: string[]; json: Figure[] } {
  const d = `${r.dialect}`;
  const enqueueRatio = r.enqueue.rate / r.rawAddBulk.rate;
  const sendRatio = r.send.rate / r.rawNoop.rate;
  const p95Ratio = r.latencyLoaded.p95 / r.latencyIdle.p95;
  const utilisationMet = r.rateLimit.utilisation >= TARGET_UTILISATION && r.rateLimit.throttled === 0;
  const lines = [
    `${pad(d)} campaign enqueue ${round(r.enqueue.rate)} recipients/s (${r.enqueue.recipients} in ${r.enqueue.seconds.toFixed(1)} s)   raw addBulk ${round(r.rawAddBulk.rate)} jobs/s   ratio ${enqueueRatio.toFixed(2)}   (target ≥ ${TARGET_ENQUEUE_RATIO}: ${enqueueRatio >= TARGET_ENQUEUE_RATIO ? 'met' : 'NOT met'})`,
    `${pad(d)} campaign memory while enqueuing: heap ${r.enqueue.heapGrowthMb >= 0 ? '+' : ''}${r.enqueue.heapGrowthMb.toFixed(1)} MB after, rss peak ${round(r.enqueue.rssPeakMb)} MB`,
    `${pad(d)} campaign send ${round(r.send.rate)} msg/s (API channel → local HTTP peer, worker process, concurrency ${campaignSizes.sendConcurrency}; ${r.send.sent} sent in ${r.send.seconds.toFixed(1)} s, ${r.send.failed} failed)   raw BullMQ no-op ${round(r.rawNoop.rate)} jobs/s   ratio ${sendRatio.toFixed(2)}`,
    `${pad(d)} campaign rate limit ${r.rateLimit.configured}/s: ${r.rateLimit.rate.toFixed(1)} msg/s steady, utilisation ${r.rateLimit.utilisation.toFixed(2)}, throttled ${r.rateLimit.throttled}   (target ≥ ${TARGET_UTILISATION}, 0 throttled: ${utilisationMet ? 'met' : 'NOT met'})`,
    `${pad(d)} inbound p95 idle ${r.latencyIdle.p95.toFixed(1)} ms   while a campaign sends ${r.latencyLoaded.p95.toFixed(1)} ms   ratio ${p95Ratio.toFixed(2)}   (target ≤ ${TARGET_LOADED_P95_RATIO}: ${p95Ratio <= TARGET_LOADED_P95_RATIO && r.latencyLoaded.errors === 0 ? 'met' : 'NOT met'}; ${r.latencyLoaded.done}/${r.latencyLoaded.sent} received at ${campaignSizes.latencyRate} msg/s${r.latencyLoaded.firstError ? `; first failure: ${r.latencyLoaded.firstError}` : ''})`,
    `${pad(d)} campaign email ${round(r.email.rate)} emails/s (email channel → local SMTP server, worker process; ${r.email.sent} received in ${r.email.seconds.toFixed(1)} s, ${r.email.failed} failed)   raw nodemailer ${round(r.rawEmail.rate)} emails/s   ratio ${(r.email.rate / r.rawEmail.rate).toFixed(2)}   (target ≥ ${TARGET_EMAILS_PER_S}/s: ${r.email.rate >= TARGET_EMAILS_PER_S ? 'met' : 'NOT met'})`,
    `${pad(d)} campaign SMS via SMPP at ${r.sms.configured}/s: ${r.sms.rate.toFixed(1)} msg/s steady, utilisation ${r.sms.utilisation.toFixed(2)}, throttled ${r.sms.throttled}   (target ≥ ${TARGET_UTILISATION}, 0 throttled: ${r.sms.utilisation >= TARGET_UTILISATION && r.sms.throttled === 0 ? 'met' : 'NOT met'}; ${r.sms.sent} accepted by the SMS centre)`,
  ];
  const json: Figure[] = [
    { name: `${d} campaign enqueue`, value: round(r.enqueue.rate, 1), unit: 'recipients/s', raw: 'raw addBulk', rawValue: round(r.rawAddBulk.rate, 1), ratio: round(enqueueRatio, 3) },
    { name: `${d} campaign send api`, value: round(r.send.rate, 1), unit: 'msg/s', raw: 'raw BullMQ no-op', rawValue: round(r.rawNoop.rate, 1), ratio: round(sendRatio, 3) },
    { name: `${d} campaign rate-limit utilisation`, value: round(r.rateLimit.rate, 1), unit: 'msg/s', raw: 'configured', rawValue: r.rateLimit.configured, ratio: round(r.rateLimit.utilisation, 3) },
    { name: `${d} campaign throttled`, value: r.rateLimit.throttled, unit: '429s', raw: null, rawValue: null, ratio: null },
    { name: `${d} inbound p95 during campaign`, value: round(r.latencyLoaded.p95, 2), unit: 'ms', raw: 'idle', rawValue: round(r.latencyIdle.p95, 2), ratio: round(p95Ratio, 3) },
    { name: `${d} campaign SMS utilisation`, value: round(r.sms.rate, 1), unit: 'msg/s', raw: 'configured', rawValue: r.sms.configured, ratio: round(r.sms.utilisation, 3) },
    { name: `${d} campaign SMS throttled`, value: r.sms.throttled, unit: 'throttled submits', raw: null, rawValue: null, ratio: null },
    { name: `${d} campaign email`, value: round(r.email.rate, 1), unit: 'emails/s', raw: 'raw nodemailer', rawValue: round(r.rawEmail.rate, 1), ratio: round(r.email.rate / r.rawEmail.rate, 3) },
  ];
  return { lines, json };
}

const dialects = (['sqlite', 'postgresql'] as const).filter((d) => !only || d === only);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`bench ${quick ? '--quick' : '(full)'}: ${cpus().length} cores, node ${process.version}, concurrency ${sizes.concurrency}, ${new Date().toISOString()}, load average ${load()}`);
const all: Figure[] = [];
let failed = false;
// One database at a time: they share the machine's two cores.
if (part !== 'campaign') {
  for (const dialect of dialects) {
    try {
      const { lines, json } = figures(await runDialect(dialect));
      for (const line of lines) console.log(line);
      all.push(...json);
    } catch (error) {
      failed = true;
      console.error(String(error));
    }
  }
}
if (part !== 'core') {
  for (const dialect of dialects) {
    try {
      const { lines, json } = campaignFigures(await runCampaign(dialect));
      for (const line of lines) console.log(line);
      all.push(...json);
    } catch (error) {
      failed = true;
      console.error(String(error));
    }
  }
}
console.log(`load average at the end: ${load()} (the machine is shared: a load above its core count lowers every figure)`);
writeFileSync(new URL('./last.json', import.meta.url), `${JSON.stringify(all, null, 2)}\n`);
process.exit(failed ? 1 : 0);
