import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../plugins/problem';
import { UnitCode } from '../directory/directory.schemas';
import type { WebhookService } from './webhook.service';
import { DeliveryView } from './webhook.schemas';

export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService }> = async (app, { webhooks }) => {
  app.get('/api/v1/units/:code/webhook-deliveries', {
    config: { access: ['admin', 'unit'] },
    schema: {
      tags: ['notifications'],
      summary: "The unit's webhook delivery log, newest first",
      description:
        'Each delivery is a POST of JSON { deliveryId, event: { id, version, action, fromState, toState, reason, details, actor: { name, role, unitCode }, at }, ' +
        'workOrder: { id, externalNo, source, state, version, urgency, requestType, confidential } }: the event as the order\'s history records it, its details saying ' +
        'which milestone and deadline (warn, overdue: milestone, dueAt), which urge (urge: milestone, number) or which slip (escalate, close-slip, send-back-slip: slip, slipId, slipState, dueAt) it is about. ' +
        "No payload carries the citizen's name or phone; read the order (masked when confidential) for them. " +
        'Each delivery is signed: X-Hotline-Signature = sha256=HMAC-SHA256(secret, "<X-Hotline-Timestamp>.<body>"). Failed attempts are retried with exponential back-off.',
      params: Type.Object({ code: UnitCode }),
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Array(DeliveryView), ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => webhooks.listForUnit(request.actor, request.params.code, request.query.limit ?? 100),
  });
};
