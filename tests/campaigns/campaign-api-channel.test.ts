import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, cardsOn, draftCampaign, makeInbox, settledCampaign, type Caller } from '../helpers/campaigns.ts';
import { httpPeer } from '../helpers/http-peer.ts';
import { TestServer } from '../helpers/test-server.ts';

/** Campaigns through the API channel, whose callback URL is a real HTTP peer on loopback that misbehaves on cue. */
describe('campaigns through the API channel', { timeout: 90_000 }, () => {
  let server: TestServer;
  let call: Caller;
  let admin: Caller;
  const peers: Awaited<ReturnType<typeof httpPeer>>[] = [];

  beforeAll(async () => {
    server = await TestServer.start({ config: { CAMPAIGN_PROGRESS_MS: 100 } });
    admin = caller(server, await server.login());
    call = caller(server, await server.operator('marketer'));
  }, 60_000); // a whole server per file: boot and logins (argon2) are slow on a busy machine
  afterAll(async () => {
    await server.close();
    for (const peer of peers) await peer.close();
  });

  it('rides out a storm of 429s and 5xx answers, waiting as told, and delivers each card exactly once', async () => {
    let failures = 0;
    // The first 30 requests fail: two in three with 429 and Retry-After: 1, the others with 503.
    const peer = await httpPeer((_request, i) => {
      if (i < 30) {
        failures++;
        return i % 3 === 0 ? { status: 503 } : { status: 429, headers: { 'retry-after': '1' } };
      }
      return { delayMs: 5 };
    });
    peers.push(peer);
    const inbox = await makeInbox(admin, 'api', { settings: { callbackUrl: peer.url } });
    const cards = await cardsOn(call, inbox, 20);
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag] }, bodies: { default: { text: 'Spring sale, {{ contact.first_name }}' } } });
    await call('POST', `/campaigns/${campaign.id}/start`);

    const stats = await settledCampaign(call, campaign.id, ['completed'], 30_000);
    expect(failures).toBe(30);
    expect(stats.counts).toMatchObject({ sent: 20, failed: 0, unknown: 0 });
    const accepted = peer.accepted();
    expect(accepted).toHaveLength(20);
    expect(new Set(accepted).size).toBe(20);
    const first = peer.received.find((r) => r.body?.event === 'campaign.message')!;
    expect(first.body).toMatchObject({ event: 'campaign.message', campaignId: campaign.id, inboxId: inbox.id, message: { text: expect.stringMatching(/^Spring sale, Customer$/) } });
    // Retry-After is honoured: no card was tried again sooner than a second after its 429.
    peer.received.forEach((request, i) => {
      if (i >= 30 || i % 3 === 0) return;
      const next = peer.received.slice(i + 1).find((r) => r.deliveryId === request.deliveryId);
      if (next) expect(next.at - request.at).toBeGreaterThanOrEqual(900);
    });
  });

  it('keeps to the inbox\'s configured rate across the whole campaign', async () => {
    const peer = await httpPeer();
    peers.push(peer);
    const inbox = await makeInbox(admin, 'api', { settings: { callbackUrl: peer.url, rateLimits: { perAccount: { max: 5, perMs: 500 } } } });
    const cards = await cardsOn(call, inbox, 25);
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag] } });
    await call('POST', `/campaigns/${campaign.id}/start`);
    await settledCampaign(call, campaign.id, ['completed'], 30_000);

    const times = peer.received.map((r) => r.at).sort((a, b) => a - b);
    expect(times).toHaveLength(25);
    // 5 per 500 ms is one every 100 ms; campaign sends go out evenly, so any 1 s window holds about 10 (the limit would
    // allow a burst of 5 on top, plus a little for network jitter), and 25 sends take at least 2 s.
    for (let i = 0; i < times.length; i++) expect(times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length).toBeLessThanOrEqual(18);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1800);
  });

  it('fails a card the integration rejects, with the integration\'s answer as the reason', async () => {
    const peer = await httpPeer((request) => (request.body?.recipient?.externalUserId?.endsWith('-1') ? { status: 422, body: { error: 'unknown customer' } } : {}));
    peers.push(peer);
    const inbox = await makeInbox(admin, 'api', { settings: { callbackUrl: peer.url } });
    const cards = await cardsOn(call, inbox, 3);
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag] } });
    await call('POST', `/campaigns/${campaign.id}/start`);
    const stats = await settledCampaign(call, campaign.id);
    expect(stats.counts).toMatchObject({ sent: 2, failed: 1 });
    const failed = (await call('GET', `/campaigns/${campaign.id}/recipients?status=failed`)).body.items;
    expect(failed).toEqual([expect.objectContaining({ contactId: cards.ids[1], failureReason: expect.stringContaining('422') })]);
    expect(failed[0].failureReason).toContain('unknown customer');
  });
});
