import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { SMTPServer } from 'smtp-server';

/**
 * The mail server for the campaign bench's email phase, in a worker thread (its own event loop, on the other core):
 * accepts any login and any message, counts messages per recipient domain (one domain per phase), keeps nothing.
 */
interface DomainStats { count: number; first: number; last: number }
const stats = new Map<string, DomainStats>();

const server = new SMTPServer({
  authOptional: true,
  allowInsecureAuth: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
  onData: (stream, session, callback) => {
    stream.resume();
    stream.on('end', () => {
      const now = performance.now();
      const domain = session.envelope.rcptTo[0]?.address.split('@')[1] ?? '';
      const entry = stats.get(domain) ?? stats.set(domain, { count: 0, first: now, last: now }).get(domain)!;
      entry.count++;
      entry.last = now;
      callback();
    });
  },
});

parentPort!.on('message', async (message: { id: number; type: 'start' | 'stats'; domain?: string }) => {
  if (message.type === 'start') {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    parentPort!.postMessage({ id: message.id, result: (server.server.address() as AddressInfo).port });
  } else {
    parentPort!.postMessage({ id: message.id, result: stats.get(message.domain!) ?? { count: 0, first: 0, last: 0 } });
  }
});
