import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { signFileKey, verifyFileKey, verifyVisitorToken } from '../../../channels/webchat/visitor-token.ts';
import { fileTypeAllowed, originAllowed, widgetSettings } from '../../../channels/webchat/widget-settings.ts';
import { AppError, badRequest, notFound } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { AttachmentStore, AttachmentTooLarge } from '../../store/attachment-store.ts';
import { Inbox } from '../../store/entities/index.ts';
import { Strict } from '../schemas.ts';
import { sendStoredFile } from '../send-stored-file.ts';

/** The built widget (`npm run build:widget`; `npm install` and `npm start` build it when it is missing). */
export const WIDGET_BUNDLE = fileURLToPath(new URL('../../../web/widget/dist/widget.js', import.meta.url));
const INLINE = /^image\/(png|jpeg|gif|webp)$/;
const InboxParams = { inboxId: Type.Integer({ minimum: 1 }) };

/**
 * What the embeddable widget fetches over HTTP: its script, file uploads by a visitor (authenticated by the
 * visitor token, not a session) and the files of its conversation (signed URLs). Files are fetched from
 * the embedding site's pages, so these answer any origin: no cookie is involved.
 */
export async function widgetRoutes(app: FastifyInstance, { services }: { services: Services }) {
  let bundle: Buffer | null = null;
  app.get('/widget.js', { schema: { hide: true } }, async (_request, reply) => {
    // Read once: the file only changes with a new build, which comes with a restart.
    bundle ??= existsSync(WIDGET_BUNDLE) ? await readFile(WIDGET_BUNDLE) : null;
    if (!bundle) throw new AppError('UNAVAILABLE', 'The widget is not built: run npm run build:widget');
    return reply.header('content-type', 'application/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').header('access-control-allow-origin', '*').send(bundle);
  });

  await app.register(async (api) => {
    api.addHook('onRequest', async (_request, reply) => void reply.header('access-control-allow-origin', '*'));
    // The store checks each inbox's own (smaller) limit while streaming; multipart's cap is the global one.
    await api.register(multipart, { limits: { fileSize: services.attachments.maxBytes + 1, files: 1, fields: 1, parts: 2 } });

    async function webchatInbox(inboxId: number) {
      const inbox = await services.orm.em.fork().findOne(Inbox, { id: inboxId, kind: 'webchat' });
      if (!inbox) throw notFound('Widget inbox');
      return inbox;
    }

    api.post('/api/v1/widget/:inboxId/uploads', {
      schema: { tags: ['widget'], summary: 'A widget visitor uploads a file (multipart: a "token" field, then a "file" part); answers its key and signature', params: Strict(InboxParams), consumes: ['multipart/form-data'] },
      config: { access: 'token', rateLimit: { max: 30, timeWindow: '1 minute' } },
      bodyLimit: services.attachments.maxBytes + 64 * 1024,
    }, async (request, reply) => {
      const inbox = await webchatInbox((request.params as { inboxId: number }).inboxId);
      const settings = widgetSettings(inbox.settings);
      if (!originAllowed(settings, request.headers.origin)) throw new AppError('FORBIDDEN', 'This site may not use this chat widget');
      if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data: a "token" field, then a "file" part');
      let token: unknown;
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          if (part.fieldname === 'token') token = part.value;
          continue;
        }
        // The token comes first, so a stranger's file is never written to disk.
        if (!verifyVisitorToken(inbox.secret, inbox.id, token)) {
          part.file.resume();
          throw new AppError('UNAUTHENTICATED', 'A valid visitor token must come before the file');
        }
        if (!fileTypeAllowed(settings, part.mimetype)) {
          part.file.resume();
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Files of type ${part.mimetype} are not accepted here; allowed: ${settings.allowedFileTypes.join(', ')}`);
        }
        const store = new AttachmentStore(services.config.DATA_DIR, Math.min(settings.maxFileBytes, services.attachments.maxBytes));
        try {
          const stored = await store.save(part.file, { name: part.filename, contentType: part.mimetype });
          return reply.status(201).send({ ...stored, sig: signFileKey(inbox.secret, stored.key) });
        } catch (error) {
          if (error instanceof AttachmentTooLarge || (error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('PAYLOAD_TOO_LARGE', `Files are limited to ${Math.round(store.maxBytes / 1024)} KB here`);
          throw error;
        }
      }
      throw badRequest('No file in the request: send a "token" field, then a "file" part');
    });

    api.get('/api/v1/widget/:inboxId/files/:month/:id', {
      schema: { tags: ['widget'], summary: 'A file of a widget conversation, by the signed URL the widget was given', params: Strict({ ...InboxParams, month: Type.String({ pattern: '^[0-9]{6}$' }), id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }), querystring: Strict({ sig: Type.String({ maxLength: 100 }) }) },
      config: { access: 'token' },
    }, async (request, reply) => {
      const { inboxId, month, id } = request.params as { inboxId: number; month: string; id: string };
      const inbox = await webchatInbox(inboxId);
      const key = `${month}/${id}`;
      if (!verifyFileKey(inbox.secret, key, (request.query as { sig: string }).sig)) throw notFound('File');
      const file = await services.attachments.open(key);
      if (!file) throw notFound('File');
      return sendStoredFile(reply, file, INLINE);
    });
  });
}
