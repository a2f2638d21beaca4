import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../plugins/problem';
import { literals, Nullable } from '../../schemas/common';
import { NOISE_KINDS } from './noise-source.entity';
import type { RepeatService } from './repeat.service';
import { Check, SourceView } from './repeat.schemas';

const tags = ['repeats'];
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const OrderSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  externalNo: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  state: Type.String(),
  content: Type.String(),
  address: Type.String(),
  relation: literals(['original', 'linked', 'merged'] as const, 'linked: found on intake; merged: folded into the original by an operator'),
});

const RepeatGroup = Type.Object({
  original: OrderSummary,
  repeats: Type.Array(OrderSummary),
  count: Type.Integer({ description: 'Repeats, linked or merged' }),
  callers: Type.Integer({ description: 'Different callers among the original and its repeats' }),
  noiseSourceId: Nullable(Type.String({ format: 'uuid' })),
});

const SourceFields = {
  place: Type.String({ minLength: 2, maxLength: 300, description: 'Where it is, as an address: orders at the same place are linked to it' }),
  kind: literals(NOISE_KINDS),
  organiser: Type.Optional(Type.String({ maxLength: 200, description: 'Who runs it (the square-dance organiser, the shop owner)' })),
  contact: Type.Optional(Type.String({ maxLength: 200 })),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
  active: Type.Optional(Type.Boolean()),
};

export const repeatRoutes: FastifyPluginAsyncTypebox<{ repeats: RepeatService }> = async (app, { repeats }) => {
  app.get('/api/v1/work-orders/:id/repeats', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: {
      tags,
      summary: 'The order\'s repeat group: its original and every order linked or merged into it',
      params: IdParams,
      response: { 200: RepeatGroup, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => repeats.group(request.params.id),
  });

  app.get('/api/v1/repeat-sources', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: {
      tags,
      summary: 'The originals with the most repeats among orders received in a period (一点多投诉)',
      querystring: Type.Object(
        {
          from: Type.String({ format: 'date-time' }),
          to: Type.String({ format: 'date-time' }),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Array(RepeatGroup), ...problems(400, 401, 403) },
    },
    handler: async (request) => repeats.topSources(new Date(request.query.from), new Date(request.query.to), request.query.limit ?? 20),
  });

  app.post('/api/v1/work-orders/:id/noise-source', {
    config: { access: ['operator', 'admin'] },
    schema: {
      tags,
      summary: 'Link the order to a registered noise source, or unlink it (null); recorded as an event',
      params: IdParams,
      body: Type.Object({ noiseSourceId: Nullable(Type.String({ format: 'uuid' })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ orderId: Type.String(), noiseSourceId: Nullable(Type.String()) }), ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => repeats.linkOrder(request.actor, request.params.id, request.body.noiseSourceId),
  });

  app.post('/api/v1/noise-sources', {
    config: { access: ['operator', 'admin'] },
    schema: {
      tags,
      summary: 'Register a noise source (噪音处置登记)',
      body: Type.Object(SourceFields, { additionalProperties: false }),
      response: { 201: SourceView, ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => reply.code(201).send(await repeats.createSource(request.actor, request.body)),
  });

  app.get('/api/v1/noise-sources', {
    config: { access: ['operator', 'commander', 'admin', 'unit'] },
    schema: {
      tags,
      summary: 'The noise-source register, newest first',
      description: "Unit staff see the sources in their unit's area (the place names its directory entry gives) and those linked to orders their unit leads or assists on; outside its area without the organiser's contact phone.",
      querystring: Type.Object({ active: Type.Optional(Type.Boolean()), kind: Type.Optional(literals(NOISE_KINDS)) }, { additionalProperties: false }),
      response: { 200: Type.Array(SourceView), ...problems(400, 401, 403) },
    },
    handler: async (request) => repeats.listSources(request.actor, request.query),
  });

  app.get('/api/v1/noise-sources/:id', {
    config: { access: ['operator', 'commander', 'admin', 'unit'] },
    schema: {
      tags,
      summary: 'A noise source with its checks and the orders about it',
      description: "Unit staff: only a source they may see (else 404), with their own unit's checks only.",
      params: IdParams,
      response: { 200: Type.Composite([SourceView, Type.Object({ checks: Type.Array(Check), orderList: Type.Array(OrderSummary) })]), ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => repeats.source(request.actor, request.params.id),
  });

  app.patch('/api/v1/noise-sources/:id', {
    config: { access: ['operator', 'admin'] },
    schema: {
      tags,
      summary: 'Change a noise source (give `version` to refuse a stale edit)',
      params: IdParams,
      body: Type.Partial(Type.Object({ ...SourceFields, version: Type.Integer({ minimum: 1 }) }), { additionalProperties: false, minProperties: 1 }),
      response: { 200: SourceView, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request) => repeats.updateSource(request.actor, request.params.id, request.body),
  });

  app.post('/api/v1/noise-sources/:id/checks', {
    config: { access: ['operator', 'admin', 'unit'] },
    schema: {
      tags,
      summary: 'Record a check made at the source: when, by whom, the result',
      description: 'Unit staff: only at a source they may see (else 404).',
      params: IdParams,
      body: Type.Object(
        {
          checkedAt: Type.String({ format: 'date-time' }),
          checkedBy: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Default: the caller' })),
          result: Type.String({ minLength: 1, maxLength: 2000 }),
        },
        { additionalProperties: false },
      ),
      response: { 201: SourceView, ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => reply.code(201).send(await repeats.addCheck(request.actor, request.params.id, request.body)),
  });
};
