import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerRequest {
  deliveryId: string;
  body: any;
  at: number;
}

/**
 * A real HTTP server on loopback standing in for an API channel's integration: every request is recorded, and
 * `answer` decides what it gets back (a status, headers, a delay, or `hold` to never answer).
 */
export async function httpPeer(answer: (request: PeerRequest, index: number) => { status?: number; headers?: Record<string, string>; body?: unknown; delayMs?: number; hold?: boolean } = () => ({})) {
  const received: PeerRequest[] = [];
  const answered: { request: PeerRequest; status: number }[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body: any = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        // not JSON
      }
      const entry = { deliveryId: String(request.headers['x-crm-delivery'] ?? ''), body, at: Date.now() };
      received.push(entry);
      const plan = answer(entry, received.length - 1);
      if (plan.hold) return void held.push(response);
      const status = plan.status ?? 200;
      const send = () => {
        if (response.destroyed) return;
        answered.push({ request: entry, status });
        response.writeHead(status, { 'content-type': 'application/json', ...plan.headers }).end(JSON.stringify(plan.body ?? (status < 300 ? { externalId: `peer-${entry.deliveryId}` } : { error: 'no' })));
      };
      if (plan.delayMs) setTimeout(send, plan.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    answered,
    held,
    /** Deliveries answered 2xx, by delivery id: what the integration accepted. */
    accepted: () => answered.filter((a) => a.status < 300).map((a) => a.request.deliveryId),
    async close() {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
