import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ApiAdapter, retryAfterMs, signCallback } from '../../channels/api/api.adapter.ts';
import { ChannelError } from '../../channels/channel-error.ts';
import { channelConformance } from './conformance.ts';

/** A real HTTP server standing in for the integration behind an API inbox. */
async function integration() {
  const texts: string[] = [];
  const failures: number[] = [];
  let lastHeaders: Record<string, string | string[] | undefined> = {};
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      lastHeaders = request.headers;
      const status = failures.shift();
      if (status) return response.writeHead(status, status === 429 ? { 'retry-after': '7' } : {}).end('nope');
      texts.push(JSON.parse(body).message.text);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ externalId: `peer-${texts.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  return { url, texts, failures, headers: () => lastHeaders, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const inbox = (callbackUrl: string) => ({ id: 7, kind: 'api' as const, name: 'api', settings: { callbackUrl }, secret: 'shh', credentials: {}, updatedAt: new Date() });
const address = { inboxId: 7, externalThreadId: 'thread', externalUserId: 'user' };

channelConformance('the API channel', async () => {
  const peer = await integration();
  return {
    adapter: new ApiAdapter(inbox(peer.url), { timeoutMs: 2000 }),
    address,
    customerWrites: null,
    peerFailsNextSend: (kind) => void peer.failures.push(kind === 'temporary' ? 503 : 404),
    received: async () => peer.texts,
    close: peer.close,
  };
});

describe('API channel callbacks', () => {
  it('waits as long as a 429 answer\'s Retry-After asks', async () => {
    const peer = await integration();
    try {
      peer.failures.push(429);
      const error = (await new ApiAdapter(inbox(peer.url), { timeoutMs: 2000 }).send(address, { id: 1, conversationId: 1, text: 'x', attachments: [] }).catch((e) => e)) as ChannelError;
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.retryAfterMs).toBe(7000);
    } finally {
      await peer.close();
    }
  });

  it('signs the timestamp and raw body with the inbox secret', async () => {
    const peer = await integration();
    try {
      await new ApiAdapter(inbox(peer.url), { timeoutMs: 2000 }).send(address, { id: 5, conversationId: 1, text: 'signed', attachments: [] });
      const headers = peer.headers();
      expect(headers['x-crm-delivery']).toBe('msg_5');
      expect(headers['x-crm-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(signCallback('shh', String(headers['x-crm-timestamp']), 'tampered')).not.toBe(headers['x-crm-signature']);
    } finally {
      await peer.close();
    }
  });

  it('treats an unreachable callback URL as temporary, so the reply is retried', async () => {
    const error = (await new ApiAdapter(inbox('http://127.0.0.1:1/nothing'), { timeoutMs: 1000 }).send(address, { id: 1, conversationId: 1, text: 'x', attachments: [] }).catch((e) => e)) as ChannelError;
    expect(error.code).toBe('TEMPORARY');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.now() + 10_000).toUTCString())).toBeGreaterThan(8000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
