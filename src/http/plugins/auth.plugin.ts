import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors.ts';
import type { Actor } from '../../inbox/access.ts';
import { SESSION_COOKIE, type SessionsService } from '../../operators/sessions.service.ts';
import type { Role } from '../../store/entities/index.ts';

/**
 * Every API route says who may call it: `public`, `token` (the route checks a channel token or signature
 * itself), or the roles allowed. A route that says nothing does not start.
 */
export type RouteAccess = 'public' | 'token' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    actor: (Actor & { name: string; email: string }) | null;
    sessionToken: string | null;
  }
}

export const tokenOf = (request: Pick<FastifyRequest, 'headers' | 'cookies'>): string | null => {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || null;
  return request.cookies?.[SESSION_COOKIE] ?? null;
};

/** Actor of an authenticated request (the access hook guarantees it on non-public routes). */
export function actorOf(request: FastifyRequest): Actor & { name: string; email: string } {
  if (!request.actor) throw new AppError('UNAUTHENTICATED', 'Log in first');
  return request.actor;
}

export const authPlugin = fp(async (app: FastifyInstance, { sessions }: { sessions: SessionsService }) => {
  app.decorateRequest('actor', null);
  app.decorateRequest('sessionToken', null);

  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && route.config?.access === undefined) {
      throw new Error(`Route ${route.method} ${route.url} does not declare who may call it (config.access)`);
    }
  });

  // onRequest: an unauthenticated caller is turned away before its body is even read.
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public' || access === 'token') return;
    const token = tokenOf(request);
    const actor = token ? await sessions.authenticate(token) : null;
    if (!actor) throw new AppError('UNAUTHENTICATED', 'Log in first: send a session cookie or an Authorization: Bearer token');
    if (!access.includes(actor.role)) throw new AppError('FORBIDDEN', `This needs the ${access.join(' or ')} role`);
    request.actor = actor;
    request.sessionToken = token;
  });
});
