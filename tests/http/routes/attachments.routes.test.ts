import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../../src/inbox/ingest.service.ts';
import { eventually, TestServer, type Session } from '../../helpers/test-server.ts';

const MAX_BYTES = 4096;

describe('attachments', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await TestServer.start({ config: { ATTACHMENT_MAX_BYTES: MAX_BYTES } });
    await server.listen();
    admin = await server.login();
  });
  afterAll(() => server.close());

  const upload = (session: Session | null, data: Buffer, name = 'invoice.pdf', type = 'application/pdf') => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(data)], { type }), name);
    return fetch(`${server.url}/api/v1/attachments`, { method: 'POST', body: form, headers: session ? session.headers : {} });
  };

  const storedFiles = () => {
    const root = join(server.config.DATA_DIR, 'attachments');
    try {
      return readdirSync(root, { recursive: true }).length;
    } catch {
      return 0;
    }
  };

  it('sends an uploaded file with a reply, and the operator downloads the same bytes', async () => {
    const bytes = Buffer.from('%PDF-1.4 the invoice');
    const uploaded = await upload(admin, bytes);
    expect(uploaded.status).toBe(201);
    const file = await uploaded.json();
    expect(file).toMatchObject({ key: expect.stringMatching(/^\d{6}\//), name: 'invoice.pdf', contentType: 'application/pdf', size: bytes.length });

    const inbox = await server.inbox('test');
    const channel = await server.testChannel(inbox.id);
    const inbound = (await channel.receive({ externalMessageId: 'q-1', sender: { externalUserId: 'buyer' }, text: 'Where is my invoice?' })) as IngestResult;
    const reply = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${inbound.conversationId}/messages`, headers: admin.headers, payload: { attachments: [{ key: file.key }] } });
    expect(reply.statusCode).toBe(201);
    expect(reply.json().attachments).toEqual([{ key: file.key, name: 'invoice.pdf', contentType: 'application/pdf', size: bytes.length, url: `/api/v1/attachments/${file.key}` }]);

    const sent = await eventually(async () => channel.sent[0]);
    expect(sent.message.attachments).toEqual([{ key: file.key, name: 'invoice.pdf', contentType: 'application/pdf', size: bytes.length }]);
    const download = await fetch(`${server.url}${reply.json().attachments[0].url}`, { headers: admin.headers });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
  });

  it('refuses a file over the size limit with 413 and keeps nothing of it', async () => {
    const before = storedFiles();
    const response = await upload(admin, Buffer.alloc(MAX_BYTES + 1, 1), 'big.bin', 'application/octet-stream');
    expect(response.status).toBe(413);
    expect((await response.json()).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/larger than/) });
    expect(storedFiles()).toBe(before);
  });

  it('refuses a reply that names a file nobody uploaded, and stores no message', async () => {
    const inbox = await server.inbox('test');
    const channel = await server.testChannel(inbox.id);
    const inbound = (await channel.receive({ externalMessageId: 'q-2', sender: { externalUserId: 'other' }, text: 'hi' })) as IngestResult;
    const response = await server.app.inject({ method: 'POST', url: `/api/v1/conversations/${inbound.conversationId}/messages`, headers: admin.headers, payload: { attachments: [{ key: '202611/00000000-0000-0000-0000-000000000000' }] } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/No uploaded file/);
    const messages = await server.app.inject({ url: `/api/v1/conversations/${inbound.conversationId}/messages`, headers: admin.headers });
    expect(messages.json().items).toHaveLength(1);
  });

  it('lets only admins and operators upload, and only as multipart', async () => {
    expect((await upload(null, Buffer.from('x'))).status).toBe(401);
    expect((await upload(await server.operator('marketer'), Buffer.from('x'))).status).toBe(403);
    const json = await fetch(`${server.url}/api/v1/attachments`, { method: 'POST', headers: { ...admin.headers, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    expect((await json.json()).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
