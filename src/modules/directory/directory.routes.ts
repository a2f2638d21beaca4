import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ROLES } from '../auth/principal.entity';
import { problems } from '../../plugins/problem';
import { DirectoryFile, UnitCode, UnitCreateBody, UnitKindSchema, UnitPatchBody, UnitView } from './directory.schemas';
import type { DirectoryService } from './directory.service';

const tags = ['directory'];
const anyone = { access: ROLES };
const admin = { access: ['admin'] as const };
const CodeParams = Type.Object({ code: UnitCode });

export const directoryRoutes: FastifyPluginAsyncTypebox<{ directory: DirectoryService }> = async (app, { directory }) => {
  app.get('/api/v1/units', {
    config: anyone,
    schema: {
      tags,
      summary: 'List units: internal police units and partner agencies',
      querystring: Type.Object({ kind: Type.Optional(UnitKindSchema), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: Type.Array(UnitView), ...problems(400, 401) },
    },
    handler: async (request) => directory.list(request.query),
  });

  app.get('/api/v1/units/:code', {
    config: anyone,
    schema: { tags, summary: 'One unit', params: CodeParams, response: { 200: UnitView, ...problems(400, 401, 404) } },
    handler: async (request) => directory.get(request.params.code),
  });

  app.post('/api/v1/units', {
    config: admin,
    schema: { tags, summary: 'Add a unit', body: UnitCreateBody, response: { 201: UnitView, ...problems(400, 401, 403, 409, 422) } },
    handler: async (request, reply) => reply.code(201).send(await directory.create(request.body)),
  });

  app.patch('/api/v1/units/:code', {
    config: admin,
    schema: {
      tags,
      summary: 'Change a unit (name, kind, parent, active, contact, jurisdiction, webhook)',
      params: CodeParams,
      body: UnitPatchBody,
      response: { 200: UnitView, ...problems(400, 401, 403, 404, 422) },
    },
    handler: async (request) => directory.update(request.params.code, request.body),
  });

  app.put('/api/v1/units', {
    config: admin,
    schema: {
      tags,
      summary: 'Load a directory file: create or update every unit by code, all or nothing',
      body: DirectoryFile,
      response: { 200: Type.Object({ created: Type.Integer(), updated: Type.Integer() }), ...problems(400, 401, 403, 422) },
    },
    handler: async (request) => directory.load(request.body.units),
  });
};
