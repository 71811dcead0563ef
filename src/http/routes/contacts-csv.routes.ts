import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { contactsCsv } from '../../contacts/csv-export.ts';
import { CsvImportService, IMPORT_FIELDS, type ImportMapping } from '../../contacts/csv-import.service.ts';
import type { Services } from '../../services.ts';
import { Name, Strict } from '../schemas.ts';

const CSV_BYTES = 20 * 1024 * 1024;
const Csv = Type.String({ minLength: 1, maxLength: CSV_BYTES, description: 'The CSV file\'s text; the first line names the columns' });
const Mapping = Type.Record(Type.String({ maxLength: 200 }), Type.Union([...IMPORT_FIELDS.map((f) => Type.Literal(f)), Type.Literal('')]), { description: 'Column name → field; unmapped columns are ignored' });
const everyone = { access: ['admin', 'operator', 'marketer'] as const };
/** The most cards one export writes (a filtered list; page through search for more). */
const EXPORT_MAX = 100_000;

/** CSV import (with a preview for the column-mapping step) and export of client cards. */
export async function contactsCsvRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const importer = new CsvImportService(services.orm, services.merge);

  app.post('/contacts/import/preview', {
    schema: { tags: ['contacts'], summary: 'Read a CSV\'s columns and first rows, with a suggested mapping; stores nothing', body: Strict({ csv: Csv }) },
    config: everyone,
    bodyLimit: CSV_BYTES + 64 * 1024,
  }, (request) => importer.preview((request.body as { csv: string }).csv));

  app.post('/contacts/import', {
    schema: {
      tags: ['contacts'],
      summary: 'Import cards from CSV: phones normalised, duplicates found by phone and email; answers created / updated / merged / rejected',
      body: Strict({ csv: Csv, mapping: Mapping, defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO country for phones written without +' })) }),
    },
    config: { access: ['admin', 'operator', 'marketer'] as const },
    bodyLimit: CSV_BYTES + 64 * 1024,
  }, (request) => {
    const { csv, mapping, defaultCountry } = request.body as { csv: string; mapping: ImportMapping; defaultCountry?: string };
    return importer.import(csv, mapping, defaultCountry);
  });

  app.get('/contacts/export.csv', {
    schema: { tags: ['contacts'], summary: 'The cards a search finds, as CSV', querystring: Strict({ q: Type.Optional(Type.String({ maxLength: 200 })), tag: Type.Optional(Name(64)) }) },
    config: everyone,
  }, async (request, reply) => {
    const { q, tag } = request.query as { q?: string; tag?: string };
    const cards = [];
    let cursor: string | undefined;
    do {
      const page = await services.contacts.search({ q, tag, cursor, limit: 500 });
      cards.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && cards.length < EXPORT_MAX);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="contacts.csv"')
      .send(contactsCsv(cards));
  });
}
