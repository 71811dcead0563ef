import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../src/inbox/ingest.service.ts';
import { caller, cardsOn, draftCampaign, makeInbox, settledCampaign, type Caller, waitFor } from '../helpers/campaigns.ts';
import { TestServer } from '../helpers/test-server.ts';

/** A test inbox that sends at most 10 messages a second, so a campaign takes long enough to act on mid-send. */
const slow = { settings: { rateLimits: { perAccount: { max: 1, perMs: 100 } } } };

describe('campaign control', { timeout: 90_000 }, () => {
  let server: TestServer;
  let call: Caller;
  let admin: Caller;

  beforeAll(async () => {
    server = await TestServer.start({ config: { CAMPAIGN_PROGRESS_MS: 100 } });
    admin = caller(server, await server.login());
    call = caller(server, await server.operator('marketer'));
  }, 60_000); // a whole server per file: boot and logins (argon2) are slow on a busy machine
  afterAll(() => server.close());

  const stats = async (id: number) => (await call('GET', `/campaigns/${id}/stats`)).body;

  it('pauses mid-send, and on resume sends every remaining card once, skipping one who opted out meanwhile', async () => {
    const inbox = await makeInbox(admin, 'test', slow);
    const channel = await server.testChannel(inbox.id);
    const cards = await cardsOn(call, inbox, 30);
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag] } });
    await call('POST', `/campaigns/${campaign.id}/start`);
    await waitFor(async () => channel.sent.length >= 5);

    expect((await call('POST', `/campaigns/${campaign.id}/pause`)).body.state).toBe('paused');
    // Sends already handed to the channel finish; nothing new starts.
    await waitFor(async () => (await stats(campaign.id)).counts.sending === 0);
    const sentAtPause = channel.sent.length;
    const waiting = (await call('GET', `/campaigns/${campaign.id}/recipients?status=queued&limit=200`)).body.items;
    expect(waiting.length).toBeGreaterThan(0);
    expect(sentAtPause + waiting.length).toBe(30);
    await new Promise((r) => setTimeout(r, 600));
    expect(channel.sent.length).toBe(sentAtPause);

    // Someone not yet reached opts out while the campaign is paused: checked when their turn comes.
    const optedOut = waiting[0].contactId;
    await call('POST', `/contacts/${optedOut}/consents`, { channel: 'test', status: 'opt-out', source: 'replied STOP' });

    expect((await call('POST', `/campaigns/${campaign.id}/resume`)).body.state).toBe('running');
    const final = await settledCampaign(call, campaign.id, ['completed'], 20_000);
    expect(final.counts).toMatchObject({ sent: 29, skipped: 1, queued: 0, sending: 0, unknown: 0 });
    const recipients = channel.sent.map((s) => s.to.externalUserId);
    expect(new Set(recipients).size).toBe(recipients.length);
    expect(recipients).toHaveLength(29);
    const skipped = (await call('GET', `/campaigns/${campaign.id}/recipients?status=skipped`)).body.items;
    expect(skipped).toEqual([expect.objectContaining({ contactId: optedOut, failureReason: 'Opted out of test' })]);
  });

  it('cancels mid-send: what was not sent is cancelled and never sent', async () => {
    const inbox = await makeInbox(admin, 'test', slow);
    const channel = await server.testChannel(inbox.id);
    const cards = await cardsOn(call, inbox, 20);
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag] } });
    await call('POST', `/campaigns/${campaign.id}/start`);
    await waitFor(async () => channel.sent.length >= 3);
    expect((await call('POST', `/campaigns/${campaign.id}/cancel`)).body.state).toBe('cancelled');
    await waitFor(async () => (await stats(campaign.id)).counts.sending === 0);
    const final = await stats(campaign.id);
    expect(final.counts.cancelled).toBeGreaterThan(0);
    expect(final.counts.sent + final.counts.cancelled).toBe(20);
    await new Promise((r) => setTimeout(r, 400));
    expect(channel.sent.length).toBe(final.counts.sent);
    expect((await call('POST', `/campaigns/${campaign.id}/resume`)).status).toBe(409);
  });

  it('sends an operator\'s reply on the same inbox while a large campaign is still waiting to be sent', async () => {
    const inbox = await makeInbox(admin, 'test', slow);
    const channel = await server.testChannel(inbox.id);
    const cards = await cardsOn(call, inbox, 60);
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag] } });
    await call('POST', `/campaigns/${campaign.id}/start`);
    await waitFor(async () => channel.sent.length >= 2);

    const inbound = (await channel.receive({ externalMessageId: randomBytes(6).toString('hex'), sender: { externalUserId: 'asks-a-question' }, text: 'where is my order?' })) as IngestResult;
    const reply = await admin('POST', `/conversations/${inbound.conversationId}/messages`, { text: 'on its way' });
    await waitFor(async () => channel.sent.some((s) => s.message.text === 'on its way'));
    // The campaign still had most of its cards waiting: the reply did not queue behind them.
    expect((await stats(campaign.id)).counts.queued).toBeGreaterThan(20);
    expect(reply.status).toBe(201);
    await call('POST', `/campaigns/${campaign.id}/cancel`);
  });

  it('refuses state changes that make no sense', async () => {
    const inbox = await makeInbox(admin, 'test');
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: ['nobody-has-this'] } });
    expect((await call('POST', `/campaigns/${campaign.id}/pause`)).status).toBe(409);
    expect((await call('POST', `/campaigns/${campaign.id}/resume`)).status).toBe(409);
    await call('POST', `/campaigns/${campaign.id}/start`);
    await settledCampaign(call, campaign.id);
    expect((await call('PATCH', `/campaigns/${campaign.id}`, { name: 'renamed' })).status).toBe(409);
    expect((await call('DELETE', `/campaigns/${campaign.id}`)).status).toBe(409);
    expect((await call('POST', `/campaigns/${campaign.id}/start`)).status).toBe(409);
  });

  it('keeps campaigns, segments and suppressions from operators, over REST and the socket', async () => {
    const operator = await server.operator('operator');
    const asOperator = caller(server, operator);
    for (const [method, url] of [['GET', '/campaigns'], ['POST', '/segments/count'], ['GET', '/suppressions'], ['GET', '/segments']] as const) {
      expect((await asOperator(method, url, method === 'POST' ? { filter: {} } : undefined)).status).toBe(403);
    }
    if (!server.url) await server.listen();
    const socket = io(`${server.url}/marketers`, { auth: { token: operator.token }, transports: ['websocket'], reconnection: false });
    const refused = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (error) => resolve(error.message));
    });
    socket.disconnect();
    expect(refused).toBe('FORBIDDEN');
  });
});
