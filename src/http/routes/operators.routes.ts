import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ROLES, type Role } from '../../store/entities/index.ts';
import type { Services } from '../../services.ts';
import { IdParams, Name, Strict } from '../schemas.ts';

const Password = Type.String({ minLength: 10, maxLength: 1024, description: 'At least 10 characters' });
const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const admin = { access: ['admin'] as const };

export async function operatorsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/operators', { schema: { tags: ['operators'] }, config: { access: ['admin', 'operator'] } }, () => services.operators.list());

  app.post('/operators', {
    schema: { tags: ['operators'], body: Strict({ email: Type.String({ format: 'email', maxLength: 254 }), name: Name(), password: Password, role: RoleSchema }) },
    config: admin,
  }, async (request, reply) => reply.status(201).send(await services.operators.create(request.body as { email: string; name: string; password: string; role: Role })));

  app.patch('/operators/:id', {
    schema: { tags: ['operators'], params: IdParams, body: Strict({ name: Type.Optional(Name()), password: Type.Optional(Password), role: Type.Optional(RoleSchema), active: Type.Optional(Type.Boolean()) }, { description: 'Changing role, password or active ends the operator\'s sessions' }) },
    config: admin,
  }, async (request) => {
    const { id } = request.params as { id: number };
    const body = request.body as { name?: string; password?: string; role?: Role; active?: boolean };
    const operator = await services.operators.update(id, body);
    if (body.role !== undefined || body.password !== undefined || body.active !== undefined) {
      await services.sessions.endAll(id);
      services.access.operatorChanged(id);
    }
    return operator;
  });
}
