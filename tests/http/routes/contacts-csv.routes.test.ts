import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contact } from '../../../src/store/entities/index.ts';
import { TestServer, type Session } from '../../helpers/test-server.ts';

describe('contacts CSV import and export', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await TestServer.start({ workers: false });
    admin = await server.login();
  });
  afterAll(() => server.close());

  const api = (method: 'GET' | 'POST', url: string, payload?: object, session: Session = admin) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: session.headers, payload });

  it('previews the columns and first rows with a suggested mapping, storing nothing', async () => {
    const before = await server.runtime.orm.em.fork().count(Contact, {});
    const response = await api('POST', '/contacts/import/preview', { csv: '\uFEFFFull name,Mobile,E-mail,Company\nAda,+44 20 7946 0958,ada@example.com,Analytical\n' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      columns: ['Full name', 'Mobile', 'E-mail', 'Company'],
      sample: [['Ada', '+44 20 7946 0958', 'ada@example.com', 'Analytical']],
      rows: 1,
      suggested: { 'Full name': 'name', Mobile: 'phone', 'E-mail': 'email', Company: '' },
    });
    expect(await server.runtime.orm.em.fork().count(Contact, {})).toBe(before);
  });

  it('imports rows, finds duplicates by phone and email, merges cards a row joins, and reports rejected rows with their reason', async () => {
    // A card we already have, known by email only, and another known by phone only.
    expect((await api('POST', '/contacts', { name: 'Old Lin', identities: [{ kind: 'email', value: 'lin@example.com' }] })).statusCode).toBe(201);
    expect((await api('POST', '/contacts', { name: 'Phone Only', identities: [{ kind: 'phone', value: '+4930901820' }] })).statusCode).toBe(201);
    const csv = [
      'name,phone,email,tags,plan',
      'Lin Wei,030 901820,LIN@example.com,"vip, berlin",gold', // phone is Phone Only's card, email is Old Lin's: merged into one
      'Marta Ruiz,+34 612 345 678,marta@example.com,,silver', // new
      'Marta R.,0034612345678,,spain,', // same phone written differently: updates Marta
      'No Way,12,,,', // invalid phone
      'Nobody,,,,', // nothing to know them by
      'Bad Mail,,not-an-email,,',
    ].join('\n');
    const response = await api('POST', '/contacts/import', { csv, mapping: { name: 'name', phone: 'phone', email: 'email', tags: 'tags', plan: 'custom' }, defaultCountry: 'DE' });
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({ rows: 6, created: 1, updated: 1, merged: 1, rejected: 3 });
    expect(report.rejectedRows.map((r: { row: number }) => r.row)).toEqual([5, 6, 7]);
    expect(report.rejectedRows[0].reason).toContain('"12" is not a valid phone number');
    expect(report.rejectedRows[1].reason).toBe('no phone or email to know the customer by');

    const lin = (await api('GET', '/contacts?q=lin%40example.com')).json().items;
    expect(lin).toHaveLength(1);
    expect(lin[0]).toMatchObject({ name: 'Lin Wei', tags: ['berlin', 'vip'], customFields: { plan: 'gold' } });
    expect(lin[0].identities.map((i: { value: string }) => i.value).sort()).toEqual(['+4930901820', 'lin@example.com']);
    const marta = (await api('GET', '/contacts?q=marta')).json().items;
    expect(marta).toHaveLength(1);
    expect(marta[0]).toMatchObject({ name: 'Marta R.', tags: ['spain'], customFields: { plan: 'silver' } });
    expect(marta[0].identities.map((i: { value: string }) => i.value).sort()).toEqual(['+34612345678', 'marta@example.com']);
  });

  it('refuses a mapping without phone or email, a column the file lacks, and text that is not CSV', async () => {
    const noKey = await api('POST', '/contacts/import', { csv: 'name\nAda\n', mapping: { name: 'name' } });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().error.message).toContain('phone or email');
    const missing = await api('POST', '/contacts/import', { csv: 'name,email\nAda,a@b.co\n', mapping: { mail: 'email' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain('"mail"');
    const broken = await api('POST', '/contacts/import/preview', { csv: 'a,"b\n1,2' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.message).toContain('not readable as CSV');
    const badField = await api('POST', '/contacts/import', { csv: 'a\n1\n', mapping: { a: 'password' } });
    expect(badField.statusCode).toBe(400);
  });

  it('exports the cards a search finds as CSV, with formulas neutralised', async () => {
    expect((await api('POST', '/contacts', { name: '=HYPERLINK("http://evil")', identities: [{ kind: 'email', value: 'formula@example.com' }], tags: ['export-me'], customFields: { tier: 'b' } })).statusCode).toBe(201);
    const response = await api('GET', '/contacts/export.csv?tag=export-me');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/csv');
    const rows = parse(response.body, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: '\'=HYPERLINK("http://evil")', email: 'formula@example.com', tags: 'export-me', tier: 'b' });
  });

  it('lets staff and marketers import and export, and nobody without a session', async () => {
    const marketer = await server.operator('marketer');
    expect((await api('GET', '/contacts/export.csv', undefined, marketer)).statusCode).toBe(200);
    const anonymous = await server.app.inject({ method: 'GET', url: '/api/v1/contacts/export.csv' });
    expect(anonymous.statusCode).toBe(401);
    const anonymousImport = await server.app.inject({ method: 'POST', url: '/api/v1/contacts/import', payload: { csv: 'email\na@b.co\n', mapping: { email: 'email' } } });
    expect(anonymousImport.statusCode).toBe(401);
  });
});
