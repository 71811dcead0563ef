import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, makeInbox, type Caller } from '../helpers/campaigns.ts';
import { TestServer } from '../helpers/test-server.ts';

describe('campaign templates', { timeout: 90_000 }, () => {
  let server: TestServer;
  let call: Caller;
  let admin: Caller;
  let cardId: number;
  let operator: Caller;

  beforeAll(async () => {
    server = await TestServer.start({ workers: false });
    admin = caller(server, await server.login());
    call = caller(server, await server.operator('marketer', 'mia'));
    operator = caller(server, await server.operator('operator'));
    const card = await call('POST', '/contacts', {
      name: 'Jürgen <b>Schmidt</b>', language: 'de', timezone: 'Europe/Berlin', birthday: '1990-05-17', customFields: { plan: 'gold', points: 120 },
      identities: [{ kind: 'email', value: 'Juergen@Example.com' }, { kind: 'phone', value: '+49 30 1234567' }], tags: ['vip'],
    });
    cardId = card.body.id;
  }, 60_000); // a whole server per file: boot and logins (argon2) are slow on a busy machine
  afterAll(() => server.close());

  it.each([
    ['an unknown variable', { default: { text: 'Hi {{ contact.nmae }}' } }, /Unknown variable "contact.nmae"/],
    ['an unknown root variable', { default: { text: 'Hi {{ customer.name }}' } }, /Unknown variable "customer.name"/],
    ['an unknown filter', { default: { text: 'Hi {{ contact.name | shout }}' } }, /undefined filter: shout/],
    ['a syntax error', { default: { text: 'Hi {% if contact.name %}' } }, /not closed/],
    ['a custom field no card has', { email: { subject: 'Hi', text: '{{ contact.custom.plna }}' } }, /Unknown custom field "plna"/],
    ['an email without a subject', { email: { text: 'Hello' } }, /needs a subject/],
    ['a channel that does not exist', { pager: { text: 'Hello' } }, /pager/],
  ])('refuses to save a template with %s', async (_what, bodies, message) => {
    const response = await call('POST', '/templates', { name: `bad-${Math.random()}`, bodies });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(message);
  });

  it('lists each problem with its channel and field when validating without saving', async () => {
    const { body } = await call('POST', '/templates/validate', { bodies: { sms: { text: '{{ contact.nmae }}' }, email: { subject: '{{ x }}', html: '<p>{{ contact.name | nope }}</p>' } } });
    expect(body.valid).toBe(false);
    expect(body.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ channel: 'sms', field: 'text', message: expect.stringMatching(/contact.nmae/) }),
      expect.objectContaining({ channel: 'email', field: 'subject', message: expect.stringMatching(/"x"/) }),
      expect.objectContaining({ channel: 'email', field: 'html', message: expect.stringMatching(/nope/) }),
    ]));
    expect((await call('POST', '/templates/validate', { bodies: { sms: { text: 'Hi {{ contact.first_name }}' } } })).body).toEqual({ valid: true, problems: [] });
  });

  it('previews every body against a real card: its fields, custom fields, dates in its language, HTML escaped, and the SMS cost', async () => {
    // A custom field only another card has is known (this card lacks it, and `default` fills in).
    await call('POST', '/contacts', { name: 'Other', customFields: { nickname: 'Bo' } });
    const saved = await call('POST', '/templates', {
      name: 'welcome',
      bodies: {
        email: { subject: 'Welcome, {{ contact.first_name }}', html: '<p>Hi {{ contact.name }}, plan {{ contact.custom.plan }}. Born {{ contact.birthday | local_date: "long" }}.</p><a href="{{ unsubscribe_url }}">unsubscribe</a>' },
        sms: { text: 'Hi {{ contact.first_name }}, {{ contact.custom.points }} points. {{ contact.custom.nickname | default: "Friend" }}' },
      },
    });
    expect(saved.status).toBe(201);

    const { status, body } = await call('POST', '/templates/preview', { templateId: saved.body.id, contactId: cardId });
    expect(status).toBe(200);
    expect(body.channels.email.subject).toBe('Welcome, Jürgen');
    expect(body.channels.email.html).toContain('Hi Jürgen &lt;b&gt;Schmidt&lt;/b&gt;, plan gold. Born 17. Mai 1990.');
    expect(body.channels.email.html).toContain('/unsubscribe/preview');
    expect(body.channels.email.text).toContain('Hi Jürgen <b>Schmidt</b>, plan gold.');
    expect(body.channels.sms.text).toBe('Hi Jürgen, 120 points. Friend');
    expect(body.channels.sms.sms).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('previews unsaved bodies, and counts a long Unicode SMS in UCS-2 segments', async () => {
    const { body } = await call('POST', '/templates/preview', { bodies: { sms: { text: `Привет {{ contact.first_name }}! ${'ж'.repeat(70)}` } }, contactId: cardId });
    expect(body.channels.sms.sms).toMatchObject({ encoding: 'UCS-2', segments: 2, perSegment: 67 });
  });

  it('counts SMS segments for anyone who writes texts, operators included', async () => {
    expect((await operator('POST', '/sms/segments', { text: 'a'.repeat(161) })).body).toMatchObject({ encoding: 'GSM-7', segments: 2 });
  });

  it('sends a test to the marketer through an inbox, rendered for a chosen card', async () => {
    const inbox = await makeInbox(admin, 'test');
    const template = await call('POST', '/templates', { name: 'test-send', bodies: { default: { text: 'Hello {{ contact.first_name }}' } } });
    const response = await call('POST', `/templates/${template.body.id}/test-send`, { inboxId: inbox.id, to: 'mia-phone', contactId: cardId });
    expect(response.status).toBe(200);
    const channel = await server.testChannel(inbox.id);
    expect(channel.sent).toEqual([expect.objectContaining({ to: expect.objectContaining({ externalUserId: 'mia-phone' }), message: expect.objectContaining({ text: 'Hello Jürgen', conversationId: 0 }) })]);
    expect((await call('POST', `/templates/${template.body.id}/test-send`, { inboxId: inbox.id })).status).toBe(400);
  });

  it('keeps templates to marketers and admins', async () => {
    expect((await operator('GET', '/templates')).status).toBe(403);
    expect((await operator('POST', '/templates', { name: 'x', bodies: { default: { text: 'x' } } })).status).toBe(403);
    expect((await admin('GET', '/templates')).status).toBe(200);
  });
});
