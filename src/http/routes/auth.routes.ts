import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { operatorDto } from '../../operators/operators.service.ts';
import { SESSION_COOKIE } from '../../operators/sessions.service.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../plugins/auth.plugin.ts';
import { Strict } from '../schemas.ts';

export async function authRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const secure = services.config.PUBLIC_URL.startsWith('https://');

  app.post('/auth/login', {
    schema: { tags: ['auth'], summary: 'Log in; sets a session cookie and returns the same token for API clients', body: Strict({ email: Type.String({ minLength: 3, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }) },
    config: {
      access: 'public',
      // Per address and account, so one attacker cannot lock out everyone and one account cannot be guessed at from many tabs.
      // preHandler, not the default onRequest: the key needs the parsed body's email, which onRequest has not read yet.
      rateLimit: { hook: 'preHandler', max: services.config.LOGIN_RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute', keyGenerator: (request) => `${request.ip}:${String((request.body as { email?: string } | undefined)?.email ?? '').toLowerCase()}` },
    },
  }, async (request, reply) => {
    const { email, password } = request.body as { email: string; password: string };
    const { token, operator, expiresAt } = await services.sessions.login(email, password);
    reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, expires: expiresAt });
    return { token, expiresAt: expiresAt.toISOString(), operator: operatorDto(operator) };
  });

  app.post('/auth/logout', { schema: { tags: ['auth'] }, config: { access: ['admin', 'operator', 'marketer'] } }, async (request, reply) => {
    if (request.sessionToken) await services.sessions.logout(request.sessionToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/auth/me', { schema: { tags: ['auth'] }, config: { access: ['admin', 'operator', 'marketer'] } }, async (request) => actorOf(request));
}
