import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/channel-error.ts';
import { caller, cardsOn, draftCampaign, settledCampaign, type Caller, waitFor } from '../helpers/campaigns.ts';
import { TestServer } from '../helpers/test-server.ts';

describe('campaign sending', { timeout: 90_000 }, () => {
  let server: TestServer;
  let call: Caller;

  beforeAll(async () => {
    server = await TestServer.start({ config: { CAMPAIGN_PROGRESS_MS: 100, CAMPAIGN_BATCH_SIZE: 10 } });
    call = caller(server, await server.operator('marketer'));
  }, 60_000); // a whole server per file: boot and logins (argon2) are slow on a busy machine
  afterAll(() => server.close());

  it('sends the rendered template once to every card of the segment and completes', async () => {
    const inbox = await server.inbox('test');
    const channel = await server.testChannel(inbox.id);
    const cards = await cardsOn(call, { id: inbox.id, kind: 'test' }, 25, (i) => ({ name: `Ada${i} Lovelace`, tags: i % 5 === 0 ? ['skip'] : ['vip'] }));
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAny: ['vip'] }, bodies: { default: { text: 'Hi {{ contact.first_name }}, {{ campaign.name | upcase }}' } } });

    const estimate = await call('POST', `/campaigns/${campaign.id}/estimate`);
    expect(estimate.body).toMatchObject({ matching: 20, willReceive: 20, byChannel: [{ inboxId: inbox.id, recipients: 20 }] });
    expect((await call('POST', `/campaigns/${campaign.id}/start`)).body.state).toBe('running');

    const stats = await settledCampaign(call, campaign.id);
    expect(stats).toMatchObject({ state: 'completed', recipients: 20, counts: { sent: 20, failed: 0, queued: 0, sending: 0 } });
    const recipients = channel.sent.map((s) => s.to.externalUserId).sort();
    expect(recipients).toEqual(Array.from({ length: 25 }, (_, i) => i).filter((i) => i % 5 !== 0).map(cards.userId).sort());
    expect(channel.sent[0]!.message.text).toMatch(/^Hi Ada\d+, C-/);
    expect(channel.sent[0]!.message).toMatchObject({ conversationId: 0, campaign: { campaignId: campaign.id }, deliveryId: expect.stringMatching(new RegExp(`^campaign-${campaign.id}-`)) });
  });

  it('skips cards that opted out of the channel or are on the suppression list, at send time, with the reason', async () => {
    const inbox = await server.inbox('test');
    const channel = await server.testChannel(inbox.id);
    const cards = await cardsOn(call, { id: inbox.id, kind: 'test' }, 4);
    await call('POST', `/contacts/${cards.ids[1]}/consents`, { channel: 'test', status: 'opt-out', source: 'asked in chat' });
    await call('POST', '/suppressions', { channel: 'test', address: `${inbox.id}:${cards.userId(2)}`, reason: 'invalid' });
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag], has: ['test'] } });
    await call('POST', `/campaigns/${campaign.id}/start`);

    const stats = await settledCampaign(call, campaign.id);
    expect(stats.counts).toMatchObject({ sent: 2, skipped: 2 });
    expect(channel.sent.map((s) => s.to.externalUserId).sort()).toEqual([cards.userId(0), cards.userId(3)].sort());
    const skipped = await call('GET', `/campaigns/${campaign.id}/recipients?status=skipped`);
    expect(skipped.body.items.map((r: { failureReason: string }) => r.failureReason).sort()).toEqual(['On the suppression list (invalid)', 'Opted out of test']);
  });

  it('falls back to the next channel when the first one fails for good, and lists the failure with its reason', async () => {
    const first = await server.inbox('test');
    const second = await server.inbox('test');
    const firstChannel = await server.testChannel(first.id);
    const secondChannel = await server.testChannel(second.id);
    const cards = await cardsOn(call, { id: first.id, kind: 'test' }, 2, (i) => ({ identities: [{ kind: 'test', value: `${second.id}:fallback-${i}` }] }));
    firstChannel.failNext(new ChannelError('INVALID_RECIPIENT', 'no such chat'));
    const campaign = await draftCampaign(call, { channels: [first.id, second.id], filter: { tagsAll: [cards.tag] } });
    await call('POST', `/campaigns/${campaign.id}/start`);

    const stats = await settledCampaign(call, campaign.id);
    expect(stats).toMatchObject({ recipients: 2, counts: { sent: 2, failed: 1 } });
    expect(firstChannel.sent).toHaveLength(1);
    expect(secondChannel.sent).toHaveLength(1);
    const failed = await call('GET', `/campaigns/${campaign.id}/recipients?status=failed`);
    expect(failed.body.items).toEqual([expect.objectContaining({ inboxId: first.id, failureReason: 'no such chat', status: 'failed' })]);
    // An invalid recipient goes on the suppression list, so no later campaign tries that address again.
    const suppressions = await call('GET', `/suppressions?channel=test&reason=invalid`);
    expect(suppressions.body.items.map((s: { address: string }) => s.address)).toContain(failed.body.items[0].address);
  });

  it('pushes progress and the completed state to a marketer over the socket', async () => {
    const inbox = await server.inbox('test');
    const cards = await cardsOn(call, { id: inbox.id, kind: 'test' }, 3);
    const marketer = await server.operator('marketer');
    if (!server.url) await server.listen();
    const { io } = await import('socket.io-client');
    const socket = io(`${server.url}/marketers`, { auth: { token: marketer.token }, transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
    const seen: { type: string; body: any }[] = [];
    socket.on('campaign.progress', (body) => seen.push({ type: 'progress', body }));
    socket.on('campaign.updated', (body) => seen.push({ type: 'updated', body }));
    try {
      const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAny: [cards.tag] } });
      await call('POST', `/campaigns/${campaign.id}/start`);
      await waitFor(async () => seen.some((e) => e.type === 'updated' && e.body.campaign.id === campaign.id && e.body.campaign.state === 'completed'));
      await waitFor(async () => seen.some((e) => e.type === 'progress' && e.body.campaignId === campaign.id && e.body.counts.sent === 3));
      const stats = await socket.timeout(5000).emitWithAck('campaign.stats', { campaignId: campaign.id });
      expect(stats).toMatchObject({ campaignId: campaign.id, state: 'completed', counts: { sent: 3 } });
    } finally {
      socket.disconnect();
    }
  });
});
