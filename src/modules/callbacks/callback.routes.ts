import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../plugins/problem';
import { literals } from '../../schemas/common';
import { CALLBACK_STATES, EXEMPTION_STATES } from './callback.entities';
import type { CallbackService } from './callback.service';
import { CallbackView, ExemptionView, Result } from './callback.schemas';

const tags = ['callbacks'];
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const Note = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });

export const callbackRoutes: FastifyPluginAsyncTypebox<{ callbacks: CallbackService }> = async (app, { callbacks }) => {
  app.get('/api/v1/callbacks', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: {
      tags,
      summary: 'Callback tasks (回访), earliest due first: the callback centre\'s work list',
      querystring: Type.Object(
        {
          state: Type.Optional(literals(CALLBACK_STATES)),
          dueBefore: Type.Optional(Type.String({ format: 'date-time', description: 'Only tasks due by then' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Array(CallbackView), ...problems(400, 401, 403) },
    },
    handler: async (request) => callbacks.list(request.query),
  });

  app.get('/api/v1/callbacks/:id', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: { tags, summary: 'A callback task with its attempts', params: IdParams, response: { 200: CallbackView, ...problems(400, 401, 403, 404) } },
    handler: async (request) => callbacks.get(request.params.id),
  });

  app.post('/api/v1/callbacks/:id/attempts', {
    config: { access: ['operator', 'admin'] },
    schema: {
      tags,
      summary: 'Record a call: the citizen\'s satisfaction, or unreachable',
      description:
        'Unreachable is tried again up to the setting callbacks.maxAttempts, then counted apart. An unsatisfied result must say whether the cause lay with the unit (unitFault); if it did, the order is reopened as a redo (重办) with new deadlines, and a redo that ends unsatisfied again raises a supervision slip.',
      params: IdParams,
      body: Type.Object(
        {
          result: Result,
          unitFault: Type.Optional(Type.Boolean()),
          notes: Type.Optional(Type.String({ maxLength: 2000 })),
          version: Type.Optional(Type.Integer({ minimum: 1, description: 'Refuse the call record if someone else recorded one meanwhile' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: CallbackView, ...problems(400, 401, 403, 404, 409, 422) },
    },
    handler: async (request) => callbacks.attempt(request.actor, request.params.id, request.body),
  });

  app.post('/api/v1/work-orders/:id/exemptions', {
    config: { access: ['unit'] },
    schema: {
      tags,
      summary: 'Ask that the order leave the unit\'s figures (核减): the demand was unlawful or unreasonable',
      params: IdParams,
      body: Type.Object({ reason: Type.String({ minLength: 2, maxLength: 2000 }) }, { additionalProperties: false }),
      response: { 201: ExemptionView, ...problems(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => reply.code(201).send(await callbacks.requestExemption(request.actor, request.params.id, request.body.reason)),
  });

  app.get('/api/v1/exemptions', {
    config: { access: ['operator', 'commander', 'admin', 'unit'] },
    schema: {
      tags,
      summary: 'Exemption requests, newest first (unit staff see their own unit\'s)',
      querystring: Type.Object({ state: Type.Optional(literals(EXEMPTION_STATES)) }, { additionalProperties: false }),
      response: { 200: Type.Array(ExemptionView), ...problems(400, 401, 403) },
    },
    handler: async (request) => callbacks.listExemptions(request.actor, request.query),
  });

  for (const [action, approve] of [['approve', true], ['refuse', false]] as const) {
    app.post(`/api/v1/exemptions/:id/${action}`, {
      config: { access: ['operator', 'admin'] },
      schema: {
        tags,
        summary: approve ? 'Approve an exemption: the order leaves the unit\'s figures' : 'Refuse an exemption',
        params: IdParams,
        body: Note,
        response: { 200: ExemptionView, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (request) => callbacks.decideExemption(request.actor, request.params.id, approve, request.body.note),
    });
  }
};
