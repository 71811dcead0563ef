import type { FastifyReply } from 'fastify';
import type { AttachmentStore } from '../store/attachment-store.ts';

type OpenedFile = NonNullable<Awaited<ReturnType<AttachmentStore['open']>>>;

/**
 * Sends a stored file as a download, or inline when its type matches `inlineTypes`. Whatever a customer uploaded, the
 * browser must never run it on our origin: the declared type is only trusted for inline-safe types, sniffing is off
 * and a sandboxing CSP covers the file if it is opened directly.
 */
export function sendStoredFile(reply: FastifyReply, file: OpenedFile, inlineTypes: RegExp): FastifyReply {
  const inline = inlineTypes.test(file.meta.contentType);
  return reply
    .header('content-type', inline ? file.meta.contentType : 'application/octet-stream')
    .header('content-length', file.meta.size)
    .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.meta.name)}`)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'private, max-age=86400')
    .send(file.stream);
}
