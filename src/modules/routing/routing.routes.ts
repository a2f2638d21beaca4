import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../plugins/problem';
import { Nullable } from '../../schemas/common';
import type { RoutingService } from './routing.service';

const Decision = Type.Object({
  police: Type.Boolean({ description: '涉警: a police matter handled inside the bureau' }),
  policeProbability: Type.Number(),
  leadUnitCode: Nullable(Type.String()),
  leadUnitName: Nullable(Type.String()),
  assistingUnitCodes: Type.Array(Type.String()),
  confidence: Type.Number({ description: '0 to 1' }),
  alternatives: Type.Array(Type.Object({ unitCode: Type.String(), score: Type.Number() })),
  reasons: Type.Array(Type.String(), { description: 'Which duty terms, which place, which learned features' }),
  knowledgeVersion: Type.String(),
  modelVersion: Nullable(Type.String()),
});

const TriageItem = Type.Object({
  workOrderId: Type.String({ format: 'uuid' }),
  externalNo: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  requestType: Type.String(),
  content: Type.String(),
  address: Type.String(),
  decidedAt: Type.String({ format: 'date-time' }),
  decision: Decision,
});

export const routingRoutes: FastifyPluginAsyncTypebox<{ routing: RoutingService }> = async (app, { routing }) => {
  app.post('/api/v1/routing/preview', {
    config: { access: ['operator', 'admin', 'commander'] },
    schema: {
      tags: ['routing'],
      summary: 'The routing decision for a text, without writing anything',
      body: Type.Object(
        {
          content: Type.String({ minLength: 1, maxLength: 10000 }),
          address: Type.Optional(Type.String({ maxLength: 500 })),
          category: Type.Optional(Type.String({ maxLength: 100 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Decision, ...problems(400, 401, 403) },
    },
    handler: async (request) => routing.preview(request.body),
  });

  app.get('/api/v1/triage', {
    config: { access: ['operator', 'admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Orders the router was not sure about, oldest first, with its suggestion and reasons',
      description: 'Dispatch one (POST /api/v1/work-orders/{id}/dispatch) to take it out of the queue; the choice is recorded as a confirmation or a correction.',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Array(TriageItem), ...problems(400, 401, 403) },
    },
    handler: async (request) => routing.triage(request.query.limit ?? 100),
  });
};
