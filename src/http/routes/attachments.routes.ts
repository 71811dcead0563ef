import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { notFound } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { Strict } from '../schemas.ts';

/** Types a browser may show inline; anything else is downloaded, never rendered as a page of ours. */
const INLINE = /^(image\/(png|jpeg|gif|webp)|audio\/|video\/|application\/pdf$)/;

export async function attachmentsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/attachments/:month/:id', {
    schema: { tags: ['attachments'], summary: 'A stored file (customer or operator attachment)', params: Strict({ month: Type.String({ pattern: '^[0-9]{6}$' }), id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }) },
    config: { access: ['admin', 'operator'] },
  }, async (request, reply) => {
    const { month, id } = request.params as { month: string; id: string };
    const file = await services.attachments.open(`${month}/${id}`);
    if (!file) throw notFound('Attachment');
    const inline = INLINE.test(file.meta.contentType);
    return reply
      .header('content-type', inline ? file.meta.contentType : 'application/octet-stream')
      .header('content-length', file.meta.size)
      .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.meta.name)}`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=86400')
      .send(file.stream);
  });
}
