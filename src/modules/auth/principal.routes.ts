import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../plugins/problem';
import { ROLES } from './principal.entity';
import type { PrincipalService } from './principal.service';
import { PrincipalView } from './principal.schemas';

const admin = { access: ['admin'] as const };
const tags = ['access'];

export const principalRoutes: FastifyPluginAsyncTypebox<{ principals: PrincipalService }> = async (app, { principals }) => {
  app.post('/api/v1/principals', {
    config: admin,
    schema: {
      tags,
      summary: 'Create an API token for an operator, a unit, a commander or an administrator',
      description: 'The token is returned once; only its hash is stored.',
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 100 }),
          role: Type.Union(ROLES.map((r) => Type.Literal(r))),
          unitCode: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
        },
        { additionalProperties: false },
      ),
      response: { 201: Type.Object({ principal: PrincipalView, token: Type.String() }), ...problems(400, 401, 403, 422) },
    },
    handler: async (request, reply) => reply.code(201).send(await principals.create(request.body)),
  });

  app.get('/api/v1/principals', {
    config: admin,
    schema: { tags, summary: 'List API principals (never their tokens)', response: { 200: Type.Array(PrincipalView), ...problems(401, 403) } },
    handler: async () => principals.list(),
  });

  app.delete('/api/v1/principals/:id', {
    config: admin,
    schema: {
      tags,
      summary: 'Revoke an API token',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 204: Type.Null(), ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      await principals.revoke(request.params.id);
      return reply.code(204).send(null);
    },
  });
};
