import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../plugins/problem';
import type { AccountService } from './account.service';
import { AccountView, Role, SignInView } from './account.schemas';

const Username = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$', description: 'Letters, digits, dots, dashes, underscores; kept in lower case' });
const Password = Type.String({ minLength: 1, maxLength: 200, description: 'At least `accounts.minPasswordLength` characters' });

const admin = { access: ['admin'] as const };
const tags = ['access'];
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** Administrators keep the people's accounts and read the record of sign-ins. */
export const accountRoutes: FastifyPluginAsyncTypebox<{ accounts: AccountService }> = async (app, { accounts }) => {
  app.get('/api/v1/accounts', {
    config: admin,
    schema: { tags, summary: 'List accounts (never their passwords)', response: { 200: Type.Array(AccountView), ...problems(401, 403) } },
    handler: async () => accounts.list(),
  });

  app.post('/api/v1/accounts', {
    config: admin,
    schema: {
      tags,
      summary: 'Create an account for a person who signs in with a user name and password',
      body: Type.Object({ username: Username, name: Type.String({ minLength: 1, maxLength: 100 }), role: Role, unitCode: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })), password: Password }, { additionalProperties: false }),
      response: { 201: AccountView, ...problems(400, 401, 403, 409, 422) },
    },
    handler: async (request, reply) => reply.code(201).send(await accounts.create(request.body)),
  });

  app.patch('/api/v1/accounts/:id', {
    config: admin,
    schema: {
      tags,
      summary: 'Change an account: name, role, unit, disabled',
      description: 'Disabling the account, or changing its role or unit, ends its sessions at once. Enabling it again also unlocks it.',
      params: Id,
      body: Type.Object(
        { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), role: Type.Optional(Role), unitCode: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Null()])), disabled: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
      response: { 200: AccountView, ...problems(400, 401, 403, 404, 422) },
    },
    handler: async (request) => accounts.update(request.params.id, request.body),
  });

  app.post('/api/v1/accounts/:id/password', {
    config: admin,
    schema: {
      tags,
      summary: 'Reset an account password',
      description: 'The account is unlocked and its sessions end.',
      params: Id,
      body: Type.Object({ password: Password }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problems(400, 401, 403, 404, 422) },
    },
    handler: async (request, reply) => {
      await accounts.resetPassword(request.params.id, request.body.password);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/sign-ins', {
    config: admin,
    schema: {
      tags,
      summary: 'The record of sign-ins, failed or not, newest first',
      querystring: Type.Object({ username: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) }, { additionalProperties: false }),
      response: { 200: Type.Array(SignInView), ...problems(400, 401, 403) },
    },
    handler: async (request) => accounts.signIns(request.query),
  });
};
