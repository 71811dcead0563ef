import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, cardsOn, draftCampaign, makeInbox, type Caller } from '../helpers/campaigns.ts';
import { httpPeer } from '../helpers/http-peer.ts';
import { eventually, REDIS_URL, TestServer } from '../helpers/test-server.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const children: ChildProcess[] = [];
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/** `npm run worker` as production runs it: a process of its own on the same database and Redis prefix. */
function startWorker(server: TestServer, output: string[]): ChildProcess {
  const child = spawn(process.execPath, ['workers/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...(server.database.env as Record<string, string>), DATA_DIR: server.config.DATA_DIR,
      REDIS_URL, REDIS_PREFIX: server.config.REDIS_PREFIX, PUBLIC_URL: server.config.PUBLIC_URL,
      // A killed worker's jobs are taken over once their lock lapses: 5 s here rather than 30 s (shorter loses locks
      // on a busy machine, whose event loop can stall for a second).
      CAMPAIGN_LOCK_MS: '5000', CAMPAIGN_CONCURRENCY: '4', CAMPAIGN_BATCH_SIZE: '10', CAMPAIGN_PROGRESS_MS: '100', LOG_LEVEL: 'warn',
    },
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  children.push(child);
  return child;
}

describe('a campaign worker killed with SIGKILL mid-campaign', () => {
  let server: TestServer;
  let call: Caller;
  let admin: Caller;

  beforeAll(async () => {
    // No workers in this process: the child worker processes do all the sending.
    server = await TestServer.start({ workers: false });
    admin = caller(server, await server.login());
    call = caller(server, await server.operator('marketer'));
  }, 60_000); // a whole server per file: boot and logins (argon2) are slow on a busy machine
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server.close();
  });

  it('sends nobody twice and skips nobody after a restart; the send in doubt is marked unknown and not resent', async () => {
    const CARDS = 40;
    const ANSWER_FIRST = 15;
    let killed = false;
    // The integration answers the first sends, then holds every request open: the worker is killed while waiting on them.
    const peer = await httpPeer((_request, i) => (!killed && i >= ANSWER_FIRST ? { hold: true } : { delayMs: 10 }));
    const inbox = await makeInbox(admin, 'api', { settings: { callbackUrl: peer.url } });
    const cards = await cardsOn(call, inbox, CARDS);
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag] } });
    await call('POST', `/campaigns/${campaign.id}/start`);

    const output: string[] = [];
    const first = startWorker(server, output);
    const exited = new Promise((done) => first.once('exit', done));
    try {
      await eventually(async () => peer.held.length >= 1, 60_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${output.join('')}`);
    }
    first.kill('SIGKILL');
    await exited;
    killed = true;
    const inDoubt = new Set(peer.received.filter((r, i) => i >= ANSWER_FIRST).map((r) => r.deliveryId));
    for (const response of peer.held.splice(0)) response.destroy();

    const second = startWorker(server, output);
    const final = await eventually(async () => {
      const { body } = await call('GET', `/campaigns/${campaign.id}/stats`);
      return body.state === 'completed' ? body : undefined;
    }, 90_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${output.join('')}`);
    });
    second.kill('SIGTERM');

    const ledger = (await call('GET', `/campaigns/${campaign.id}/recipients?limit=200`)).body.items as { contactId: number; status: string; id: number }[];
    // Nobody skipped: one row per card, each sent or in doubt.
    expect(ledger).toHaveLength(CARDS);
    expect(new Set(ledger.map((r) => r.contactId)).size).toBe(CARDS);
    expect(final.counts.sent + final.counts.unknown).toBe(CARDS);
    expect(final.counts.unknown).toBeGreaterThanOrEqual(1);
    // Nobody twice: every card reached the integration at most once, the killed sends included.
    const deliveries = peer.received.map((r) => r.deliveryId);
    expect(new Set(deliveries).size).toBe(deliveries.length);
    // The sends in doubt (the integration got them, we never heard back) are `unknown` and were not sent again.
    const unknown = new Set(ledger.filter((r) => r.status === 'unknown').map((r) => `campaign-${campaign.id}-${r.id}`));
    for (const id of inDoubt) expect(unknown.has(id)).toBe(true);
    // Every row marked sent is one the integration accepted; an accepted one not marked sent is one whose answer
    // came just before the kill (accepted, never recorded): in doubt too, so `unknown`, never sent again.
    const sent = ledger.filter((r) => r.status === 'sent').map((r) => `campaign-${campaign.id}-${r.id}`);
    const accepted = new Set(peer.accepted());
    for (const id of sent) expect(accepted.has(id)).toBe(true);
    for (const id of accepted) expect(sent.includes(id) || unknown.has(id)).toBe(true);
    await peer.close();
  }, 240_000);
});
