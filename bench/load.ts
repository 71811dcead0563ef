import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { io as connect, type Socket } from 'socket.io-client';
import { jsonPoster } from './http-client.ts';

/**
 * The load generator, in a worker thread so it runs on the other core and does not steal the
 * server's event loop. It posts over real HTTP and listens on a real operator socket; a message
 * counts only once the socket has received its message.created.
 */

export type LoadCommand =
  | { type: 'init'; url: string; token: string; inboxId: number; secret: string; runId: string }
  | { type: 'ingest'; label: string; count: number; concurrency: number; maxMs: number }
  | { type: 'latency'; label: string; rate: number; maxMs: number; maxInFlight: number }
  | { type: 'hammer'; url: string; path: string; count: number; concurrency: number; maxMs: number }
  | { type: 'close' };

export interface IngestResult { done: number; errors: number; seconds: number; rate: number }
export interface LatencyResult { sent: number; done: number; errors: number; firstError?: string; p50: number; p95: number; p99: number; max: number; rate: number }
export interface HammerResult { done: number; errors: number; seconds: number; rate: number }

const SOCKET_WAIT_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let target: { url: string; inboxId: number; secret: string; runId: string } | null = null;
let socket: Socket | null = null;
let poster: ReturnType<typeof jsonPoster> | null = null;
/** externalMessageId → called with the time the socket saw it. */
const waiting = new Map<string, (at: number) => void>();

function receipt(id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`no message.created for ${id} within ${SOCKET_WAIT_MS} ms`));
    }, SOCKET_WAIT_MS);
    waiting.set(id, (at) => {
      clearTimeout(timer);
      waiting.delete(id);
      resolve(at);
    });
  });
}

/** Posts one inbound message from a sender of its own; resolves with the socket receipt time. */
async function send(label: string, i: number): Promise<number> {
  const { inboxId, secret, runId } = target!;
  const id = `${runId}-${label}-${i}`;
  const received = receipt(id);
  received.catch(() => {}); // awaited below; avoid an unhandled rejection if the POST fails first
  const status = await poster!.post(`/api/v1/channels/api/${inboxId}/messages`, { externalMessageId: id, sender: { externalUserId: `sender-${id}`, name: `Sender ${i}` }, text: `Hello from ${id}, I have a question about my order.` }, { authorization: `Bearer ${secret}` });
  if (status !== 201) {
    waiting.delete(id);
    throw new Error(`POST answered ${status}`);
  }
  return received;
}

/** Closed loop: `concurrency` lanes, each sends its next message once its previous one was received. */
async function ingest({ label, count, concurrency, maxMs }: Extract<LoadCommand, { type: 'ingest' }>): Promise<IngestResult> {
  let next = 0;
  let done = 0;
  let errors = 0;
  const start = performance.now();
  const lane = async () => {
    while (next < count && performance.now() - start < maxMs) {
      try {
        await send(label, next++);
        done++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - start) / 1000;
  return { done, errors, seconds, rate: done / seconds };
}

/**
 * Open loop: message i is due at start + i/rate whatever happened to the others; latency runs from
 * when it was due (so a stalled server is not hidden by the generator waiting for it).
 */
async function latency({ label, rate, maxMs, maxInFlight }: Extract<LoadCommand, { type: 'latency' }>): Promise<LatencyResult> {
  const interval = 1000 / rate;
  const total = Math.floor((rate * maxMs) / 1000);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let inFlight = 0;
  let errors = 0;
  let firstError: string | undefined;
  const fail = (reason: string) => {
    errors++;
    firstError ??= reason;
  };
  const start = performance.now();
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && start + i * interval <= now) {
      const due = start + i * interval;
      if (inFlight >= maxInFlight) {
        fail(`more than ${maxInFlight} in flight`); // the server fell this far behind: a failure rather than a queue forever
      } else {
        inFlight++;
        pending.push(
          send(label, i).then(
            (at) => void latencies.push(at - due),
            (error: Error) => fail(error.message),
          ).finally(() => void inFlight--),
        );
      }
      i++;
    }
    await sleep(Math.max(0, start + i * interval - performance.now()));
  }
  await Promise.all(pending);
  const sorted = latencies.sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { sent: total, done: sorted.length, errors, firstError, p50: pick(0.5), p95: pick(0.95), p99: pick(0.99), max: sorted.at(-1) ?? NaN, rate: total / ((performance.now() - start) / 1000) };
}

/** Closed loop of plain POSTs against any route (the bare Fastify baseline). */
async function hammer({ url, path, count, concurrency, maxMs }: Extract<LoadCommand, { type: 'hammer' }>): Promise<HammerResult> {
  const client = jsonPoster(url, concurrency);
  let next = 0;
  let done = 0;
  let errors = 0;
  const start = performance.now();
  const body = { externalMessageId: 'x', sender: { externalUserId: 'y', name: 'Sender' }, text: 'Hello, I have a question about my order.' };
  const lane = async () => {
    while (next < count && performance.now() - start < maxMs) {
      next++;
      const status = await client.post(path, body).catch(() => 0);
      if (status === 200) done++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  client.close();
  const seconds = (performance.now() - start) / 1000;
  return { done, errors, seconds, rate: done / seconds };
}

async function init({ url, token, inboxId, secret, runId }: Extract<LoadCommand, { type: 'init' }>): Promise<void> {
  target = { url, inboxId, secret, runId };
  poster = jsonPoster(url, 64);
  socket = connect(`${url}/operators`, { auth: { token }, transports: ['websocket'], reconnection: false });
  socket.on('message.created', (event: { message?: { externalId?: string } }) => {
    const id = event.message?.externalId;
    if (id) waiting.get(id)?.(performance.now());
  });
  await new Promise<void>((resolve, reject) => {
    socket!.once('connect', () => resolve());
    socket!.once('connect_error', reject);
  });
  // The server joins rooms just after the handshake; a round trip makes sure it has.
  await socket.timeout(5000).emitWithAck('sync', { since: 0 });
}

const handlers = {
  init,
  ingest,
  latency,
  hammer,
  close: async () => {
    socket?.disconnect();
    poster?.close();
  },
} as Record<LoadCommand['type'], (command: any) => Promise<unknown>>;

parentPort!.on('message', async ({ id, command }: { id: number; command: LoadCommand }) => {
  try {
    parentPort!.postMessage({ id, result: await handlers[command.type](command) });
  } catch (error) {
    parentPort!.postMessage({ id, error: String((error as Error)?.stack ?? error) });
  }
});
