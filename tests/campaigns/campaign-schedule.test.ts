import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBirthdays } from '../../src/campaigns/birthdays.ts';
import { caller, cardsOn, draftCampaign, makeInbox, settledCampaign, type Caller, waitFor } from '../helpers/campaigns.ts';
import { TestServer } from '../helpers/test-server.ts';

/** Campaign time is the services' clock: these tests set it, then let delayed jobs run as if that time had come. */
describe('campaign time: schedules, quiet hours, birthdays', { timeout: 90_000 }, () => {
  let server: TestServer;
  let call: Caller;
  let admin: Caller;
  let now = new Date();
  const setClock = (iso: string) => {
    now = new Date(iso);
  };
  /** Time has passed: jobs that were waiting for it run now. */
  const timePasses = async (iso: string) => {
    setClock(iso);
    await server.services.queues.campaignSend.promoteJobs();
  };

  beforeAll(async () => {
    server = await TestServer.start({ config: { CAMPAIGN_PROGRESS_MS: 100 } });
    server.services.clock.now = () => now;
    admin = caller(server, await server.login());
    call = caller(server, await server.operator('marketer'));
  }, 60_000); // a whole server per file: boot and logins (argon2) are slow on a busy machine
  afterAll(() => server.close());

  it('holds messages during quiet hours in each recipient\'s own timezone and sends them when the hours end, dropping none', async () => {
    setClock('2026-06-01T20:30:00Z');
    const inbox = await makeInbox(admin, 'test');
    const channel = await server.testChannel(inbox.id);
    const zones = ['Europe/Berlin', 'America/New_York', null];
    const cards = await cardsOn(call, inbox, 3, (i) => ({ timezone: zones[i] }));
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag] }, extra: { timezone: 'Asia/Tokyo', quietHours: { start: '21:00', end: '08:00' } } });
    await call('POST', `/campaigns/${campaign.id}/start`);

    // 16:30 in New York: sent. 22:30 in Berlin and 05:30 in Tokyo (the campaign's zone, for the card without one): held.
    await waitFor(async () => channel.sent.length === 1);
    expect(channel.sent[0]!.to.externalUserId).toBe(cards.userId(1));
    const held = await waitFor(async () => {
      const items = (await call('GET', `/campaigns/${campaign.id}/recipients?status=queued`)).body.items;
      return items.length === 2 && items.every((r: { deferredUntil: string | null }) => r.deferredUntil) ? items : undefined;
    });
    expect(Object.fromEntries(held.map((r: { contactId: number; deferredUntil: string }) => [r.contactId, r.deferredUntil]))).toEqual({
      [cards.ids[0]!]: '2026-06-02T06:00:00.000Z', // 08:00 in Berlin (CEST)
      [cards.ids[2]!]: '2026-06-01T23:00:00.000Z', // 08:00 in Tokyo
    });
    expect((await call('GET', `/campaigns/${campaign.id}`)).body.state).toBe('running');

    await timePasses('2026-06-01T23:05:00Z');
    await waitFor(async () => channel.sent.length === 2);
    expect(channel.sent[1]!.to.externalUserId).toBe(cards.userId(2));

    await timePasses('2026-06-02T06:01:00Z');
    const final = await settledCampaign(call, campaign.id);
    expect(final.counts).toMatchObject({ sent: 3, skipped: 0, failed: 0 });
    expect(channel.sent.map((s) => s.to.externalUserId)).toEqual([cards.userId(1), cards.userId(2), cards.userId(0)]);
  });

  it('starts a scheduled campaign at a local time in its timezone, not before', async () => {
    setClock('2026-03-01T08:00:00Z');
    const inbox = await makeInbox(admin, 'test');
    const channel = await server.testChannel(inbox.id);
    const cards = await cardsOn(call, inbox, 2);
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag] }, extra: { timezone: 'Europe/Berlin', scheduledAt: '2026-03-01T10:00' } });
    const started = await call('POST', `/campaigns/${campaign.id}/start`);
    expect(started.body).toMatchObject({ state: 'scheduled', scheduledAt: '2026-03-01T09:00:00.000Z' });

    setClock('2026-03-01T08:59:00Z');
    await server.services.campaigns.tick();
    expect((await call('GET', `/campaigns/${campaign.id}`)).body.state).toBe('scheduled');
    expect(channel.sent).toEqual([]);

    setClock('2026-03-01T09:00:05Z');
    await server.services.campaigns.tick();
    await settledCampaign(call, campaign.id);
    expect(channel.sent).toHaveLength(2);
  });

  it('greets each card on its birthday in its own timezone once a year, after the send time', async () => {
    const inbox = await makeInbox(admin, 'test');
    const channel = await server.testChannel(inbox.id);
    const people = [
      { birthday: '1990-06-01', timezone: 'Europe/Berlin' },
      { birthday: '1985-06-02', timezone: 'Pacific/Auckland' },
      { birthday: '1970-06-01', timezone: null },
      { birthday: '2000-12-24', timezone: 'Europe/Berlin' },
      { birthday: '1992-02-29', timezone: 'UTC' },
    ];
    const cards = await cardsOn(call, inbox, people.length, (i) => ({ ...people[i], name: `Person${i} X` }));
    const campaign = await draftCampaign(call, { channels: [inbox.id], filter: { tagsAll: [cards.tag] }, bodies: { default: { text: 'Happy birthday, {{ contact.first_name }}!' } }, extra: { kind: 'birthday', sendTime: '09:00', timezone: 'UTC' } });
    expect((await call('POST', `/campaigns/${campaign.id}/start`)).body.state).toBe('running');
    const deps = { ...server.services, batchSize: 100 };
    const greeted = () => channel.sent.map((s) => s.message.text);

    setClock('2026-06-01T08:30:00Z'); // 10:30 in Berlin; 08:30 UTC (before 09:00); 20:30 on 1 June in Auckland
    await runBirthdays(deps);
    await runBirthdays(deps);
    await waitFor(async () => greeted().length === 1);
    expect(greeted()).toEqual(['Happy birthday, Person0!']);

    setClock('2026-06-01T09:30:00Z');
    await runBirthdays(deps);
    await waitFor(async () => greeted().length === 2);
    expect(greeted()[1]).toBe('Happy birthday, Person2!');

    setClock('2026-06-01T21:30:00Z'); // 09:30 on 2 June in Auckland
    await runBirthdays(deps);
    await waitFor(async () => greeted().length === 3);
    expect(greeted()[2]).toBe('Happy birthday, Person1!');

    setClock('2027-02-28T10:00:00Z'); // not a leap year: 29 February birthdays are greeted on the 28th
    await runBirthdays(deps);
    await waitFor(async () => greeted().length === 4);
    expect(greeted()[3]).toBe('Happy birthday, Person4!');

    setClock('2027-06-01T10:00:00Z'); // a year later, again
    await runBirthdays(deps);
    await waitFor(async () => greeted().length === 6);
    expect(greeted().slice(4).sort()).toEqual(['Happy birthday, Person0!', 'Happy birthday, Person2!']);
    expect((await call('GET', `/campaigns/${campaign.id}/stats`)).body).toMatchObject({ state: 'running', counts: { sent: 6 } });
  });
});
