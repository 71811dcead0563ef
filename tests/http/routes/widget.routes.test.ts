import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../../helpers/test-server.ts';
import { openWidget, widgetInbox } from '../../helpers/widget-visitor.ts';

/** A multipart body as a browser's FormData sends it: the token field, then the file. */
function form(parts: { token?: string; file?: { name: string; type: string; data: Buffer } }) {
  const data = new FormData();
  if (parts.token !== undefined) data.append('token', parts.token);
  if (parts.file) data.append('file', new Blob([new Uint8Array(parts.file.data)], { type: parts.file.type }), parts.file.name);
  return data;
}

describe('widget HTTP routes', () => {
  let server: TestServer;
  let url: string;

  beforeAll(async () => {
    server = await TestServer.start();
    url = await server.listen();
  });
  afterAll(async () => server.close());

  const upload = (inboxId: number, body: FormData, origin?: string) =>
    fetch(`${url}/api/v1/widget/${inboxId}/uploads`, { method: 'POST', body, headers: origin ? { origin } : {} });

  it('takes a visitor\'s allowed file, which the visitor then sends and downloads by its signed link', async () => {
    const inbox = await widgetInbox(server);
    const visitor = await openWidget(url, { inboxId: inbox.id });
    const response = await upload(inbox.id, form({ token: visitor.session.token, file: { name: 'receipt.pdf', type: 'application/pdf', data: Buffer.from('%PDF-1.4 test') } }));
    expect(response.status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const stored = await response.json();
    expect(stored).toMatchObject({ key: expect.any(String), sig: expect.any(String), name: 'receipt.pdf', size: 13 });

    const answer = await visitor.say('', { attachments: [{ key: stored.key, sig: stored.sig }] });
    const file = answer.message.attachments[0];
    expect(file).toMatchObject({ name: 'receipt.pdf', contentType: 'application/pdf' });
    const path = new URL(file.url).pathname + new URL(file.url).search;
    const download = await fetch(`${url}${path}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('attachment');
    expect(await download.text()).toBe('%PDF-1.4 test');
    expect((await fetch(`${url}${path.replace(/sig=[^&]+/, 'sig=forged')}`)).status).toBe(404);
    visitor.socket.disconnect();
  });

  it('refuses an upload without a valid visitor token, of a type not allowed, or over the inbox\'s size limit', async () => {
    const inbox = await widgetInbox(server, { maxFileBytes: 1024, allowedFileTypes: ['image/*'] });
    const visitor = await openWidget(url, { inboxId: inbox.id });
    const png = { name: 'a.png', type: 'image/png', data: Buffer.alloc(100) };
    const noToken = await upload(inbox.id, form({ file: png }));
    expect(noToken.status).toBe(401);
    expect((await noToken.json()).error.code).toBe('UNAUTHENTICATED');
    expect((await upload(inbox.id, form({ token: 'forged.token', file: png }))).status).toBe(401);
    const exe = await upload(inbox.id, form({ token: visitor.session.token, file: { name: 'x.exe', type: 'application/x-msdownload', data: Buffer.alloc(10) } }));
    expect(exe.status).toBe(415);
    const big = await upload(inbox.id, form({ token: visitor.session.token, file: { ...png, data: Buffer.alloc(2048) } }));
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await upload(inbox.id, form({ token: visitor.session.token, file: png }))).status).toBe(201);
    visitor.socket.disconnect();
  });

  it('refuses an upload from a site not on the inbox\'s allowed origins', async () => {
    const inbox = await widgetInbox(server, { allowedOrigins: ['https://shop.example'] });
    const visitor = await openWidget(url, { inboxId: inbox.id }, { origin: 'https://shop.example' });
    const file = { name: 'a.txt', type: 'text/plain', data: Buffer.from('hi') };
    expect((await upload(inbox.id, form({ token: visitor.session.token, file }), 'https://evil.example')).status).toBe(403);
    expect((await upload(inbox.id, form({ token: visitor.session.token, file }), 'https://shop.example')).status).toBe(201);
    visitor.socket.disconnect();
  });

  it('refuses a message attaching a file that was not uploaded to this widget', async () => {
    const inbox = await widgetInbox(server);
    const visitor = await openWidget(url, { inboxId: inbox.id });
    const operatorFile = await server.services.attachments.save(Buffer.from('secret'), { name: 'internal.txt', contentType: 'text/plain' });
    expect(await visitor.say('look', { attachments: [{ key: operatorFile.key, sig: 'guess' }] })).toMatchObject({ error: { code: 'VALIDATION' } });
    visitor.socket.disconnect();
  });

  it('serves the widget script to any site', async () => {
    const response = await fetch(`${url}/widget.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('javascript');
    expect(await response.text()).toContain('/widget');
  });
});
