import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Metrics } from '../metrics.ts';
import type { Services } from '../../services.ts';

export async function healthRoutes(app: FastifyInstance, { services, redis, metrics }: { services: Services; redis: Redis; metrics: Metrics }) {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'The process is up' }, config: { access: 'public' } }, () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['health'], summary: 'The database and Redis answer' }, config: { access: 'public' } }, async (_request, reply) => {
    const check = async (probe: () => Promise<unknown>) => {
      try {
        await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 2000))]);
        return 'ok';
      } catch (error) {
        return `failed: ${(error as Error).message}`;
      }
    };
    const [database, redisState] = await Promise.all([check(() => services.orm.em.getConnection().execute('select 1')), check(() => redis.ping())]);
    const ready = database === 'ok' && redisState === 'ok';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', database, redis: redisState });
  });

  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics' }, config: { access: 'public' } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
}
