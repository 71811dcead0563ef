import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import smpp, { type Pdu, type Session } from 'smpp';

/**
 * The SMS centre for the campaign bench's SMS phase, in a worker thread: binds anyone, and enforces the account's
 * throughput like an operator's SMSC does (GCRA with a second's burst; above it submit_sm is answered ESME_RTHROTTLED).
 */
const ESME_RTHROTTLED = 0x58;
let rate = 10;
let tat = 0;
const stats = { count: 0, throttled: 0, first: 0, last: 0 };

const server = smpp.createServer((session: Session) => {
  session.on('error', () => {});
  for (const mode of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) session.on(mode, (pdu: Pdu) => session.send(pdu.response({ system_id: 'bench-smsc' })));
  session.on('enquire_link', (pdu: Pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu: Pdu) => {
    session.send(pdu.response());
    session.close();
  });
  session.on('submit_sm', (pdu: Pdu) => {
    const now = performance.now();
    const interval = 1000 / rate;
    const next = Math.max(tat, now);
    if (next - now > 1000 - interval) {
      stats.throttled++;
      return void session.send(pdu.response({ command_status: ESME_RTHROTTLED }));
    }
    tat = next + interval;
    if (stats.count === 0) stats.first = now;
    stats.count++;
    stats.last = now;
    session.send(pdu.response({ message_id: `bench-${stats.count}` }));
  });
});

parentPort!.on('message', async (message: { id: number; type: 'start' | 'stats'; rate?: number }) => {
  if (message.type === 'start') {
    rate = message.rate ?? rate;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    parentPort!.postMessage({ id: message.id, result: `smpp://127.0.0.1:${(server.address() as AddressInfo).port}` });
  } else {
    parentPort!.postMessage({ id: message.id, result: stats });
  }
});
