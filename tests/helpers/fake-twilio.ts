import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for a Twilio-compatible SMS API: `POST /2010-04-01/Accounts/{sid}/Messages.json` with basic auth,
 * answering like Twilio (a message resource with its `sid`, or `{ code, message, status }` on error).
 */
export async function fakeTwilio(accountSid = 'AC0001', authToken = 'twilio-token') {
  const sent: Record<string, string | string[]>[] = [];
  const failures: { status: number; code?: number; message?: string }[] = [];
  let counter = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const json = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (request.headers.authorization !== `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`) return json(401, { code: 20003, message: 'Authenticate', status: 401 });
      if (request.method === 'GET' && request.url === `/2010-04-01/Accounts/${accountSid}.json`) return json(200, { sid: accountSid, status: 'active' });
      if (request.method !== 'POST' || request.url !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) return json(404, { code: 20404, message: 'Not found', status: 404 });
      const failure = failures.shift();
      if (failure) return json(failure.status, { code: failure.code, message: failure.message ?? 'failed', status: failure.status });
      const params = new URLSearchParams(body);
      const form: Record<string, string | string[]> = Object.fromEntries(params);
      if (params.getAll('MediaUrl').length) form.MediaUrl = params.getAll('MediaUrl');
      sent.push(form);
      json(201, { sid: `SM${String(++counter).padStart(32, '0')}`, status: 'queued', to: form.To, from: form.From, body: form.Body });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accountSid,
    authToken,
    sent,
    failures,
    texts: () => sent.map((s) => String(s.Body)),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
