import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETUP_TIMEOUT_MS, TEST_TIMEOUT_MS } from '../../helpers/channel-context.ts';
import type { Dovecot } from '../../helpers/dovecot.ts';
import { EmailTestbed, mail } from '../../helpers/email-inbox.ts';
import type { Session, TestServer } from '../../helpers/test-server.ts';

/** Small, so a test can send a message above it; every other message here stays well below. */
const LIMIT = 200_000;
const USERS = ['html@crm.test', 'files@crm.test', 'quotes@crm.test', 'big@crm.test', 'broken@crm.test', 'card@crm.test'];

let testbed: EmailTestbed;
let dovecot: Dovecot;
let server: TestServer;
let admin: Session;

beforeAll(async () => {
  testbed = await EmailTestbed.start(USERS, { config: { EMAIL_MAX_MESSAGE_BYTES: LIMIT }, workers: false });
  ({ dovecot, server, admin } = testbed);
}, SETUP_TIMEOUT_MS);
afterAll(() => testbed?.close());

async function receive(user: string, raw: Buffer | string, count = 1) {
  await dovecot.deliver(raw, { to: user });
  return testbed.inbound(user, count);
}

async function download(key: string) {
  return server.app.inject({ method: 'GET', url: `/api/v1/attachments/${key}`, headers: admin.headers });
}

describe('what an email becomes in the inbox', { timeout: TEST_TIMEOUT_MS }, () => {
  it('stores hostile HTML sanitised: no script, handler, javascript: link, SVG or form; remote images only as data', async () => {
    const html = `<p onclick="steal()">Hi <b>team</b></p><script>alert(1)</script>
      <img src="https://tracker.example/pixel.gif" onerror="alert(2)" alt="pixel">
      <a href="javascript:alert(3)">click</a> <a href="https://shop.example/order/1">my order</a>
      <svg onload="alert(4)"><script>alert(5)</script></svg>
      <form action="https://phish.example"><input name="password"><button>Log in</button></form>
      <div style="background-image:url(https://tracker.example/bg.gif)">styled</div>
      <iframe src="https://evil.example"></iframe>`;
    const [message] = await receive('html@crm.test', await mail({ subject: 'Hostile', html, text: 'Hi team' }));
    const stored = message!.html!;
    expect(stored).toContain('<b>team</b>');
    expect(stored).toContain('data-src="https://tracker.example/pixel.gif"');
    expect(stored).toContain('href="https://shop.example/order/1"');
    for (const bad of ['<script', 'onclick', 'onerror', 'onload', 'javascript:', '<svg', '<form', '<input', '<iframe', 'url(', ' src="https://tracker']) expect(stored).not.toContain(bad);

    // The operator API shows the same sanitised HTML.
    const page = await server.app.inject({ method: 'GET', url: `/api/v1/conversations/${message!.conversation.id}/messages`, headers: admin.headers });
    expect(page.json().items[0].html).toBe(stored);
  });

  it('keeps attachments and inline images in the attachment store, the inline image shown from there', async () => {
    const pdf = Buffer.from('%PDF-1.4 a tiny invoice');
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const [message] = await receive('files@crm.test', await mail({
      subject: 'Invoice attached',
      text: 'See the invoice.',
      html: '<p>See the invoice.</p><img src="cid:logo@shop" alt="logo">',
      attachments: [{ filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' }, { filename: 'logo.png', content: png, contentType: 'image/png', cid: 'logo@shop' }],
    }));
    const files = (message!.attachments as { key: string; name: string; contentType: string; size: number; inline?: boolean }[]).sort((a, b) => a.name.localeCompare(b.name));
    expect(files.map((f) => [f.name, f.contentType, f.size, f.inline ?? false])).toEqual([['invoice.pdf', 'application/pdf', pdf.length, false], ['logo.png', 'image/png', png.length, true]]);
    expect((await download(files[0]!.key)).rawPayload).toEqual(pdf);
    expect(message!.html).toContain(`src="/api/v1/attachments/${files[1]!.key}"`);
    expect((await download(files[1]!.key)).rawPayload).toEqual(png);
  });

  it('shows the reply without the quoted history, and keeps the full original', async () => {
    const text = 'Yes, Tuesday works for me.\n\nOn Mon, 24 Nov 2026 at 10:00, Shop support <agent@crm.test> wrote:\n> Would Tuesday suit you for the delivery?\n> Best, Shop';
    const html = '<div>Yes, Tuesday works for me.</div><div class="gmail_quote">On Mon, Shop support wrote:<blockquote>Would Tuesday suit you for the delivery?</blockquote></div>';
    const raw = await mail({ subject: 'Re: Delivery', text, html });
    const [message] = await receive('quotes@crm.test', raw);
    expect(message!.text).toBe('Yes, Tuesday works for me.');
    expect(message!.html).toContain('Tuesday works');
    expect(message!.html).not.toContain('Would Tuesday suit you');
    const email = (message!.meta as { email: { fullText: string; fullHtml: string; originalKey: string } }).email;
    expect(email.fullText).toContain('> Would Tuesday suit you for the delivery?');
    expect(email.fullHtml).toContain('<blockquote>Would Tuesday suit you for the delivery?</blockquote>');
    // The conversation list previews the reply, not the quote.
    const conversation = await server.app.inject({ method: 'GET', url: `/api/v1/conversations/${message!.conversation.id}`, headers: admin.headers });
    expect(conversation.json().lastMessagePreview).toBe('Yes, Tuesday works for me.');
    // The message exactly as the mailbox holds it (with the headers the mail server added on delivery).
    const original = (await download(email.originalKey)).rawPayload.toString().replace(/\r\n/g, '\n');
    expect(original).toMatch(/^Return-Path: /);
    expect(original.endsWith(raw.toString().replace(/\r\n/g, '\n'))).toBe(true);
  });

  it('records an email above the size limit as rejected with a reason, without downloading it', async () => {
    const big = await mail({ from: 'Bob Builder <bob@example.com>', subject: 'Site photos', text: 'Photos attached', attachments: [{ filename: 'site.jpg', content: Buffer.alloc(LIMIT + 10_000, 7), contentType: 'image/jpeg' }] });
    const [message] = await receive('big@crm.test', big);
    expect(message!.text).toMatch(/^This email was not imported: it is 0\.\d MB, above the 0\.2 MB limit/);
    expect(message!.attachments).toEqual([]);
    expect(message!.meta).toMatchObject({ subject: 'Site photos', email: { from: { address: 'bob@example.com' } }, rejected: { reason: expect.stringContaining('limit') } });
  });

  it('never lets malformed MIME stop the receiver: a broken message is stored as best it reads, a MIME bomb as unreadable', async () => {
    const broken = [
      'From: Carol <carol@example.com>', 'To: broken@crm.test', 'Subject: =?utf-8?B?not base64!!?=', 'Message-ID: <broken-1@example.com>',
      'Content-Type: multipart/mixed; boundary="never-closed"', '', '--never-closed', 'Content-Type: text/plain; charset=x-unknown-charset',
      'Content-Transfer-Encoding: base64', '', 'SGVsbG8gZnJvbSBhIGJyb2tlbiBtZXNzYWdl%%%', '--never-closed', 'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: quoted-printable', '', '=ZZ=XX broken', '',
    ].join('\r\n');
    const parts = Array.from({ length: 1100 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
    const bomb = `From: Mallory <mallory@example.com>\r\nTo: broken@crm.test\r\nSubject: Many parts\r\nMessage-ID: <bomb-1@example.com>\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`;
    await dovecot.deliver(broken, { to: 'broken@crm.test' });
    await dovecot.deliver(bomb, { to: 'broken@crm.test' });
    const stored = await receive('broken@crm.test', await mail({ subject: 'Normal', text: 'A normal message after them' }), 3);

    expect(stored.map((m) => m.externalId)).toEqual(['<broken-1@example.com>', '<bomb-1@example.com>', expect.any(String)]);
    expect(stored[0]!.text).toContain('Hello from a broken message');
    expect(stored[1]!.text).toMatch(/^This email was not imported: it could not be read/);
    expect((stored[1]!.meta as { email: { originalKey: string } }).email.originalKey).toEqual(expect.any(String));
    expect(stored[2]!.text).toBe('A normal message after them');
    expect((await server.services.channelStates.get(testbed.inboxes.get('broken@crm.test')!))?.status).toBe('connected');
  });

  it('puts an email on the client card that already has its address from another channel', async () => {
    const created = await server.app.inject({ method: 'POST', url: '/api/v1/contacts', headers: admin.headers, payload: { name: 'Dora from Telegram', identities: [{ kind: 'telegram', value: '4242' }, { kind: 'email', value: 'dora@example.com' }] } });
    expect(created.statusCode).toBe(201);
    const [message] = await receive('card@crm.test', await mail({ from: 'Dora <DORA@example.com>', text: 'Writing by email now' }));
    expect(message!.conversation.contact.id).toBe(created.json().id);
  });
});
