import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GraphFailure {
  status: number;
  code?: number;
  message?: string;
  headers?: Record<string, string>;
}

/**
 * A local stand-in for the WhatsApp Cloud Graph API on loopback: the endpoints the adapter calls, shaped like
 * Meta's answers (https://developers.facebook.com/docs/whatsapp/cloud-api/reference), checking the bearer token.
 */
export async function fakeGraphApi(options: { token?: string; phoneNumberId?: string; businessAccountId?: string } = {}) {
  const token = options.token ?? 'graph-token';
  const phoneNumberId = options.phoneNumberId ?? '1055';
  const businessAccountId = options.businessAccountId ?? '2077';
  /** Bodies POSTed to /messages, in order. */
  const sent: any[] = [];
  /** Raw multipart bodies POSTed to /media. */
  const uploads: Buffer[] = [];
  const failures: GraphFailure[] = [];
  /** Files customers sent, by media id. */
  const media = new Map<string, { data: Buffer; mimeType: string }>();
  const templates: any[] = [];
  let counter = 0;
  let base = '';

  const answer = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (request.headers.authorization !== `Bearer ${token}`) return answer(response, 401, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
      const url = new URL(request.url ?? '/', base);
      const path = url.pathname.replace(/^\/v21\.0/, '');
      if (request.method === 'GET' && path.startsWith('/files/')) {
        const file = media.get(path.slice('/files/'.length));
        if (!file) return answer(response, 404, { error: { message: 'gone', code: 100 } });
        return response.writeHead(200, { 'content-type': file.mimeType }).end(file.data);
      }
      if (request.method === 'POST' && path === `/${phoneNumberId}/messages`) {
        const failure = failures.shift();
        if (failure) return answer(response, failure.status, { error: { message: failure.message ?? 'failed', type: 'OAuthException', code: failure.code, fbtrace_id: 'x' } }, failure.headers);
        const body = JSON.parse(raw.toString());
        sent.push(body);
        return answer(response, 200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: `wamid.out-${++counter}` }] });
      }
      if (request.method === 'POST' && path === `/${phoneNumberId}/media`) {
        uploads.push(raw);
        return answer(response, 200, { id: `upload-${++counter}` });
      }
      if (request.method === 'GET' && path === `/${phoneNumberId}`) return answer(response, 200, { verified_name: 'Acme Support', display_phone_number: '+1 555-0100', id: phoneNumberId });
      if (request.method === 'GET' && path === `/${businessAccountId}/message_templates`) return answer(response, 200, { data: templates, paging: {} });
      const file = media.get(path.slice(1));
      if (request.method === 'GET' && file) return answer(response, 200, { url: `${base}/files/${path.slice(1)}`, mime_type: file.mimeType, file_size: file.data.length, id: path.slice(1), messaging_product: 'whatsapp' });
      answer(response, 404, { error: { message: `Unsupported ${request.method} ${path}`, code: 100 } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/v21.0`,
    token,
    phoneNumberId,
    businessAccountId,
    sent,
    uploads,
    failures,
    media,
    templates,
    /** Texts the customer received, in order (text bodies, captions, template names). */
    texts: () => sent.map((s) => s.text?.body ?? s[s.type]?.caption ?? s.template?.name ?? ''),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A webhook body as Meta posts it for one phone number. */
export function cloudWebhook(phoneNumberId: string, value: { messages?: any[]; statuses?: any[]; contacts?: any[] }) {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: '2077', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550100', phone_number_id: phoneNumberId }, ...value } }] }],
  };
}
