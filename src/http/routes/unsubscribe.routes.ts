import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { PREVIEW_TOKEN } from '../../campaigns/templates.service.ts';
import type { Services } from '../../services.ts';
import { Strict } from '../schemas.ts';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const Token = Strict({ token: Type.String({ minLength: 1, maxLength: 100 }) });

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escape(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #444;background:#222;color:#fff;cursor:pointer}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`);
}

/**
 * Public links in campaign messages (no login; the signed token is the authority):
 * - `POST /unsubscribe/:token` unsubscribes at once: the RFC 8058 one-click POST mail clients send
 *   (body `List-Unsubscribe=One-Click`), and the button on the page below.
 * - `GET /unsubscribe/:token` only shows a confirmation page with that button: link scanners and mail
 *   previews follow GET links, so a GET must never unsubscribe anyone (RFC 8058 §4).
 * - `GET /t/o/:token` (open pixel) and `GET /t/c/:token?u=` (click redirect) when the campaign tracks them.
 */
export async function unsubscribeRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { tracking } = services;
  // Mail clients post a form; accept any small body, whatever its type (its content does not matter).
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 8192 }, (_request, body, done) => done(null, body));

  app.get('/unsubscribe/:token', { schema: { hide: true, params: Token }, config: { access: 'public' } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    if (token === PREVIEW_TOKEN) return page(reply, 200, 'Unsubscribe', '<p>This is the unsubscribe link of a preview or test message; in a real campaign message it unsubscribes its recipient.</p>');
    const who = await tracking.describe(token);
    if (!who) return page(reply, 404, 'Link not valid', '<p>This unsubscribe link is not valid. If you copied it, check that it is complete.</p>');
    if (who.already) return page(reply, 200, 'You are unsubscribed', `<p>${escape(who.address)} will get no more ${escape(who.channel)} messages like “${escape(who.campaignName)}”.</p>`);
    return page(reply, 200, 'Unsubscribe?', `<p>Stop ${escape(who.channel)} messages like “${escape(who.campaignName)}” to <strong>${escape(who.address)}</strong>?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`);
  });

  app.post('/unsubscribe/:token', { schema: { hide: true, params: Token }, config: { access: 'public' } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    if (token === PREVIEW_TOKEN) return page(reply, 200, 'Preview', '<p>Nothing to unsubscribe: this link came from a preview or test message.</p>');
    const done = await tracking.unsubscribe(token, request.headers['user-agent']?.includes('Mozilla') ? 'unsubscribe page' : 'one-click unsubscribe (RFC 8058)');
    if (!done) return page(reply, 404, 'Link not valid', '<p>This unsubscribe link is not valid.</p>');
    return page(reply, 200, 'You are unsubscribed', `<p>${escape(done.address)} will get no more ${escape(done.channel)} messages like “${escape(done.campaignName)}”.</p>`);
  });

  app.get('/t/o/:token', { schema: { hide: true, params: Token }, config: { access: 'public' } }, async (request, reply) => {
    await tracking.opened((request.params as { token: string }).token).catch(() => {});
    return reply.header('content-type', 'image/gif').header('cache-control', 'no-store').send(PIXEL);
  });

  app.get('/t/c/:token', { schema: { hide: true, params: Token, querystring: Strict({ u: Type.String({ minLength: 1, maxLength: 4096 }) }) }, config: { access: 'public' } }, async (request, reply) => {
    const target = await tracking.clicked((request.params as { token: string }).token, (request.query as { u: string }).u);
    if (!target) return page(reply, 404, 'Link not valid', '<p>This link is not valid.</p>');
    return reply.redirect(target, 302);
  });
}
