import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../channels/registry.ts';
import { TestAdapter } from '../../channels/test/test.adapter.ts';
import { inboxConfig } from '../../src/inbox/inboxes.service.ts';
import { Inbox } from '../../src/store/entities/index.ts';
import { caller, draftCampaign, settledCampaign, type Caller } from '../helpers/campaigns.ts';
import { TestServer } from '../helpers/test-server.ts';

/**
 * Here an inbox of kind `email` is served by the in-memory test adapter: the campaign path is what is under test
 * (headers, HTML, links, what reaches the port), not SMTP. (The email adapter, tested against its SMTP sink in
 * tests/channels/email, is what turns these fields into a message on the wire.)
 */
ADAPTERS.email = (inbox) => new TestAdapter(inbox);

describe('email campaigns: RFC 8058 unsubscribe, open and click tracking', { timeout: 90_000 }, () => {
  let server: TestServer;
  let call: Caller;
  let channel: TestAdapter;
  let inboxId: number;
  let cardId: number;

  beforeAll(async () => {
    server = await TestServer.start({ config: { CAMPAIGN_PROGRESS_MS: 100, PUBLIC_URL: 'https://crm.example' } });
    call = caller(server, await server.operator('marketer'));
    const em = server.runtime.orm.em.fork();
    const inbox = em.create(Inbox, { kind: 'email', name: 'Newsletter', settings: {}, credentials: {}, secret: 'unused' });
    await em.flush();
    inboxId = inbox.id;
    channel = server.services.channels.adapterFor(inboxConfig(inbox)) as TestAdapter;
    cardId = (await call('POST', '/contacts', { name: 'Grace Hopper', identities: [{ kind: 'email', value: 'grace@example.com' }], tags: ['newsletter'] })).body.id;
  }, 60_000); // a whole server per file: boot and logins (argon2) are slow on a busy machine
  afterAll(() => server.close());

  const path = (url: string) => new URL(url).pathname + new URL(url).search;

  it('sends one-click unsubscribe headers, a text alternative, tracked links and an open pixel', async () => {
    const campaign = await draftCampaign(call, {
      channels: [inboxId],
      filter: { tagsAll: ['newsletter'] },
      bodies: { email: { subject: 'Our sale, {{ contact.first_name }}', html: '<p>Hi {{ contact.first_name }}, see <a href="https://shop.example/sale?x=1&amp;y=2">the sale</a>.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' } },
      extra: { trackOpens: true, trackClicks: true },
    });
    await call('POST', `/campaigns/${campaign.id}/start`);
    await settledCampaign(call, campaign.id);

    const { to, message } = channel.sent.at(-1)!;
    expect(to.externalUserId).toBe('grace@example.com');
    expect(message.subject).toBe('Our sale, Grace');
    expect(message.headers).toEqual({ 'List-Unsubscribe': expect.stringMatching(/^<https:\/\/crm\.example\/unsubscribe\/\d+\.[\w-]{22}>$/), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    expect(message.text).toContain('Hi Grace, see the sale.');
    expect(message.html).toMatch(/href="https:\/\/crm\.example\/t\/c\/\d+\.[\w-]{22}\?u=https%3A%2F%2Fshop\.example%2Fsale%3Fx%3D1%26y%3D2"/);
    expect(message.html).toMatch(/<img src="https:\/\/crm\.example\/t\/o\/\d+\.[\w-]{22}"/);
    // The unsubscribe link in the body is not wrapped by click tracking.
    const unsubscribeUrl = message.headers!['List-Unsubscribe']!.slice(1, -1);
    expect(message.html).toContain(`href="${unsubscribeUrl}"`);

    // Opening and clicking are counted once per recipient; the click lands on the real page.
    const pixel = message.html!.match(/<img src="([^"]+)"/)![1]!;
    const opened = await server.app.inject({ url: path(pixel) });
    expect(opened.headers['content-type']).toBe('image/gif');
    const link = message.html!.match(/href="(https:\/\/crm\.example\/t\/c\/[^"]+)"/)![1]!.replace(/&amp;/g, '&');
    const click = await server.app.inject({ url: path(link) });
    expect(click.statusCode).toBe(302);
    expect(click.headers.location).toBe('https://shop.example/sale?x=1&y=2');
    await server.app.inject({ url: path(link) });
    const forged = await server.app.inject({ url: path(link).replace(/u=[^&]+/, `u=${encodeURIComponent('https://evil.example/')}`) });
    expect(forged.statusCode).toBe(404);
    await server.services.progress.flush();
    expect((await call('GET', `/campaigns/${campaign.id}/stats`)).body.counts).toMatchObject({ sent: 1, opened: 1, clicked: 1, unsubscribed: 0 });
  });

  it('only shows a confirmation page on GET; a POST without login unsubscribes at once, and later campaigns skip the address', async () => {
    const { message } = channel.sent.at(-1)!;
    const unsubscribe = path(message.headers!['List-Unsubscribe']!.slice(1, -1));

    const shown = await server.app.inject({ url: unsubscribe });
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['content-type']).toContain('text/html');
    expect(shown.body).toContain('grace@example.com');
    expect(shown.body).toMatch(/<form method="post">/);
    expect((await call('GET', `/contacts/${cardId}/consents`)).body.current).toEqual({});

    // What a mail client sends for the one-click button (RFC 8058 §3.2): no cookie, no token but the URL's.
    const oneClick = await server.app.inject({ method: 'POST', url: unsubscribe, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(oneClick.statusCode).toBe(200);
    expect(oneClick.body).toContain('You are unsubscribed');
    const again = await server.app.inject({ method: 'POST', url: unsubscribe, headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--x--\r\n' });
    expect(again.statusCode).toBe(200);

    const consent = (await call('GET', `/contacts/${cardId}/consents`)).body;
    expect(consent.current).toEqual({ email: 'opt-out' });
    expect(consent.records).toHaveLength(1);
    expect(consent.records[0]).toMatchObject({ channel: 'email', status: 'opt-out', source: 'one-click unsubscribe (RFC 8058)' });
    expect((await call('GET', '/suppressions?channel=email')).body.items).toEqual([expect.objectContaining({ address: 'grace@example.com', reason: 'unsubscribed' })]);
    expect((await server.app.inject({ method: 'POST', url: unsubscribe.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) })).statusCode).toBe(404);

    const before = channel.sent.length;
    const next = await draftCampaign(call, { channels: [inboxId], filter: { tagsAll: ['newsletter'] }, bodies: { email: { subject: 'Again', text: 'Hello again' } } });
    await call('POST', `/campaigns/${next.id}/start`);
    const stats = await settledCampaign(call, next.id);
    expect(stats.counts).toMatchObject({ sent: 0, skipped: 1 });
    expect(channel.sent.length).toBe(before);
  });
});
