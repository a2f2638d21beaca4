import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../plugins/problem';
import { literals } from '../../schemas/common';
import { SLIP_STATES } from './slip.entity';
import type { SupervisionService } from './supervision.service';
import { SlipView } from './supervision.schemas';

const tags = ['supervision'];
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Text = Type.Object({ text: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false });
const readers = ['operator', 'commander', 'admin', 'unit'] as const;
const responses = { 200: SlipView, ...problems(400, 401, 403, 404, 409) };

export const supervisionRoutes: FastifyPluginAsyncTypebox<{ supervision: SupervisionService }> = async (app, { supervision }) => {
  app.post('/api/v1/supervision-slips', {
    config: { access: ['commander', 'admin'] },
    schema: {
      tags,
      summary: "Raise a director supervision slip (《局长督办单》) over orders of one handling unit",
      body: Type.Object(
        {
          orderIds: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 50, uniqueItems: true }),
          reason: Type.String({ minLength: 1, maxLength: 2000 }),
          title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          workingDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, description: 'Deadline in working days; default: the setting supervision.slipWorkingDays' })),
        },
        { additionalProperties: false },
      ),
      response: { 201: SlipView, ...problems(400, 401, 403, 422) },
    },
    handler: async (request, reply) => reply.code(201).send(await supervision.raiseByCommander(request.actor, request.body)),
  });

  app.get('/api/v1/supervision-slips', {
    config: { access: readers },
    schema: {
      tags,
      summary: 'Slips by deadline (default) or by unit; unit staff see their own unit\'s',
      querystring: Type.Object(
        {
          state: Type.Optional(Type.Array(literals(SLIP_STATES))),
          unitCode: Type.Optional(Type.String({ maxLength: 40 })),
          sort: Type.Optional(Type.Union([Type.Literal('due'), Type.Literal('unit')])),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Array(SlipView), ...problems(400, 401, 422) },
    },
    handler: async (request) => supervision.list(request.actor, request.query),
  });

  app.get('/api/v1/supervision-slips/:id', {
    config: { access: readers },
    schema: { tags, summary: 'One slip with its orders and notes', params: IdParams, response: { 200: SlipView, ...problems(400, 401, 404) } },
    handler: async (request) => supervision.get(request.actor, request.params.id),
  });

  app.post('/api/v1/supervision-slips/:id/progress', {
    config: { access: readers },
    schema: { tags, summary: 'Add a progress note', params: IdParams, body: Text, response: responses },
    handler: async (request) => supervision.addProgress(request.actor, request.params.id, request.body.text),
  });

  app.post('/api/v1/supervision-slips/:id/chief-callback', {
    config: { access: ['unit'] },
    schema: {
      tags,
      summary: "Record the unit chief's own callback to the citizen",
      params: IdParams,
      body: Type.Object(
        {
          calledAt: Type.String({ format: 'date-time' }),
          satisfaction: literals(['very_satisfied', 'satisfied', 'basically_satisfied', 'unsatisfied', 'very_unsatisfied', 'unreachable']),
          text: Type.String({ minLength: 1, maxLength: 5000 }),
        },
        { additionalProperties: false },
      ),
      response: responses,
    },
    handler: async (request) => supervision.recordChiefCallback(request.actor, request.params.id, request.body),
  });

  app.post('/api/v1/supervision-slips/:id/result', {
    config: { access: ['unit'] },
    schema: { tags, summary: 'The handling unit submits its result (after the chief\'s callback)', params: IdParams, body: Text, response: responses },
    handler: async (request) => supervision.submitResult(request.actor, request.params.id, request.body.text),
  });

  app.post('/api/v1/supervision-slips/:id/close', {
    config: { access: ['commander'] },
    schema: { tags, summary: "A commander's sign-off closes the slip", params: IdParams, body: Text, response: responses },
    handler: async (request) => supervision.close(request.actor, request.params.id, request.body.text),
  });

  app.post('/api/v1/supervision-slips/:id/send-back', {
    config: { access: ['commander'] },
    schema: { tags, summary: 'A commander sends the result back: the slip is open again', params: IdParams, body: Text, response: responses },
    handler: async (request) => supervision.sendBack(request.actor, request.params.id, request.body.text),
  });
};
