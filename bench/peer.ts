import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';

/**
 * The API channel's integration for the campaign bench, in a worker thread (its own event loop, on the other core):
 * `/ok` answers 200 at once; `/limited/<perSecond>` enforces that rate like a provider does (GCRA, a burst of one
 * second's worth, then evenly spaced) and answers 429 with Retry-After to anything over it.
 */
interface PathStats { count: number; throttled: number; first: number; last: number }
const stats = new Map<string, PathStats>();
const tat = new Map<string, number>();

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const now = performance.now();
    const path = request.url ?? '/';
    const entry = stats.get(path) ?? stats.set(path, { count: 0, throttled: 0, first: now, last: now }).get(path)!;
    const limited = /^\/limited\/(\d+)/.exec(path);
    if (limited) {
      const rate = Number(limited[1]);
      const interval = 1000 / rate;
      const tolerance = 1000 - interval;
      const next = Math.max(tat.get(path) ?? now, now);
      if (next - now > tolerance) {
        entry.throttled++;
        response.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":"too many requests"}');
        return;
      }
      tat.set(path, next + interval);
    }
    entry.count++;
    entry.last = now;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

parentPort!.on('message', async (message: { id: number; type: 'start' | 'stats' | 'reset'; path?: string }) => {
  if (message.type === 'start') {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.keepAliveTimeout = 30_000;
    parentPort!.postMessage({ id: message.id, result: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  } else if (message.type === 'stats') {
    parentPort!.postMessage({ id: message.id, result: stats.get(message.path!) ?? { count: 0, throttled: 0, first: 0, last: 0 } });
  } else {
    stats.clear();
    tat.clear();
    parentPort!.postMessage({ id: message.id, result: null });
  }
});
