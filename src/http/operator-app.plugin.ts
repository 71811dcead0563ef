import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build:operator` writes the operator web app (web/operator/dist, git-ignored). */
export const OPERATOR_APP_DIR = fileURLToPath(new URL('../../web/operator/dist/', import.meta.url));

/**
 * Serves the built operator web app at `/`. The app routes in the URL fragment (`/#/contacts`), so the
 * server needs no fallback route. When it has not been built, `/` says how to build it rather than 404.
 */
export async function operatorAppPlugin(app: FastifyInstance, { root = OPERATOR_APP_DIR }: { root?: string } = {}) {
  if (!existsSync(`${root}/index.html`)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').send('The operator web app is not built: run `npm run build:operator`, then reload.\n'));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // One route per built file (not a catch-all), so other root paths (the widget, unsubscribe links) stay theirs.
    wildcard: false,
    decorateReply: false,
    // Hashed file names under assets/ never change; index.html must always be asked for again.
    setHeaders(response, path) {
      if (path.includes('/assets/')) response.header('cache-control', 'public, max-age=31536000, immutable');
      else response.header('cache-control', 'no-cache');
      response.header('x-content-type-options', 'nosniff');
      if (path.endsWith('.html')) {
        response.header('x-frame-options', 'DENY');
        response.header('referrer-policy', 'same-origin');
      }
    },
  });
}
