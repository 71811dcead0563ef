import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError, badRequest, notFound } from '../../errors.ts';
import { attachmentUrl } from '../../inbox/dto.ts';
import type { Services } from '../../services.ts';
import { AttachmentTooLarge } from '../../store/attachment-store.ts';
import { Strict } from '../schemas.ts';
import { sendStoredFile } from '../send-stored-file.ts';

/** Types a browser may show inline; anything else is downloaded, never rendered as a page of ours. */
const INLINE = /^(image\/(png|jpeg|gif|webp)|audio\/|video\/|application\/pdf$)/;

export async function attachmentsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const maxBytes = services.attachments.maxBytes;
  // The store enforces the limit while streaming (and leaves nothing behind); multipart's own cap sits just above it.
  await app.register(multipart, { limits: { fileSize: maxBytes + 1, files: 1, fields: 0, parts: 1 } });

  app.post('/attachments', {
    schema: { tags: ['attachments'], summary: 'Upload a file (multipart, one part named "file") to attach to a reply; answers its key', consumes: ['multipart/form-data'] },
    config: { access: ['admin', 'operator'] },
    bodyLimit: maxBytes + 64 * 1024,
  }, async (request, reply) => {
    if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data in a part named "file"');
    const part = await request.file();
    if (!part) throw badRequest('No file in the request: send one part named "file"');
    try {
      const stored = await services.attachments.save(part.file, { name: part.filename, contentType: part.mimetype });
      return reply.status(201).send({ ...stored, url: attachmentUrl(stored.key) });
    } catch (error) {
      if (error instanceof AttachmentTooLarge) throw new AppError('PAYLOAD_TOO_LARGE', error.message);
      throw error;
    }
  });

  app.get('/attachments/:month/:id', {
    schema: { tags: ['attachments'], summary: 'A stored file (customer or operator attachment)', params: Strict({ month: Type.String({ pattern: '^[0-9]{6}$' }), id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }) },
    config: { access: ['admin', 'operator'] },
  }, async (request, reply) => {
    const { month, id } = request.params as { month: string; id: string };
    const file = await services.attachments.open(`${month}/${id}`);
    if (!file) throw notFound('Attachment');
    return sendStoredFile(reply, file, INLINE);
  });
}
