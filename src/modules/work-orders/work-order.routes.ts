import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ROLES } from '../auth/principal.entity';
import { badRequest } from '../../errors';
import { problems } from '../../plugins/problem';
import { TRANSITIONS, type Action } from './lifecycle';
import { ACTION_BODIES, ACTION_SUMMARIES, EventView, IdParams, InboxItem, InboxQuery, IntakeBody, ListQuery, Page, WorkOrderView, type ActionInput } from './work-order.schemas';
import type { WorkOrderService } from './work-order.service';
import { EXPORT_MAX_ROWS, exportWorkbookName, filtersText, ordersWorkbook } from './export';

const tags = ['work-orders'];
const centre = ['operator', 'admin'] as const;
const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ pattern: '^(W/)?"?\\d+"?$', description: 'Act only if the order is still at this version' })) });

const ExportQuery = Type.Omit(ListQuery, ['cursor', 'limit'], { additionalProperties: false });

export const workOrderRoutes: FastifyPluginAsyncTypebox<{ workOrders: WorkOrderService; timeZone: string; now: () => Date }> = async (app, { workOrders, timeZone, now }) => {
  app.post('/api/v1/work-orders', {
    config: { access: centre },
    schema: {
      tags,
      summary: 'Take in a work order from the 12345 platform',
      description:
        'Idempotent on (source, externalNo): the same body again returns the existing order with 200; a different body under the same number is a 409. ' +
        'A receivedAt more than INTAKE_MAX_SKEW_MINUTES (10) ahead of the service\'s clock is a 422 received_at_in_future; one older than INTAKE_MAX_AGE_DAYS (3660) or before 2000 a 422 received_at_too_old.',
      body: IntakeBody,
      response: { 201: WorkOrderView, 200: WorkOrderView, ...problems(400, 401, 403, 409, 413, 415, 422) },
    },
    handler: async (request, reply) => {
      const { order, created } = await workOrders.intake(request.actor, request.body);
      return reply.code(created ? 201 : 200).header('location', `/api/v1/work-orders/${order.id}`).send(order);
    },
  });

  app.get('/api/v1/work-orders', {
    config: { access: ROLES },
    schema: {
      tags,
      summary: 'List work orders, newest first, with filters and a cursor',
      description: "Unit staff see only orders their unit holds or held.",
      querystring: ListQuery,
      response: { 200: Page(WorkOrderView), ...problems(400, 401, 422) },
    },
    handler: async (request) => workOrders.list(request.actor, request.query),
  });

  app.get('/api/v1/work-orders.xlsx', {
    config: { access: ROLES },
    schema: {
      tags,
      summary: 'The orders a search finds, as an Excel workbook with Chinese headings',
      description: `The filters of GET /api/v1/work-orders; unit staff get only their unit's orders, as there. Phone numbers are masked (138****5678). At most ${EXPORT_MAX_ROWS} orders: more is a 422 export_too_large.`,
      querystring: ExportQuery,
      produces: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The .xlsx file' }), ...problems(400, 401, 422) },
    },
    handler: async (request, reply) => {
      const orders = await workOrders.exportList(request.actor, request.query, EXPORT_MAX_ROWS);
      const name = exportWorkbookName(now(), timeZone);
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="work-orders.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}`)
        .send(await ordersWorkbook(orders, timeZone, filtersText(request.query, timeZone)));
    },
  });

  app.get('/api/v1/work-orders/:id', {
    config: { access: ROLES },
    schema: { tags, summary: 'One work order', params: IdParams, response: { 200: WorkOrderView, ...problems(400, 401, 404) } },
    handler: async (request) => workOrders.get(request.actor, request.params.id),
  });

  app.get('/api/v1/work-orders/:id/events', {
    config: { access: ROLES },
    schema: {
      tags,
      summary: "The order's history: every change with who, when, what and why",
      params: IdParams,
      response: { 200: Type.Array(EventView), ...problems(400, 401, 404) },
    },
    handler: async (request) => workOrders.events(request.actor, request.params.id),
  });

  for (const action of Object.keys(ACTION_BODIES) as Action[]) {
    const byUnit = TRANSITIONS[action].by === 'lead-unit';
    app.post(`/api/v1/work-orders/:id/${action}`, {
      config: { access: byUnit ? (['unit'] as const) : centre },
      schema: {
        tags,
        summary: ACTION_SUMMARIES[action],
        description: `${byUnit ? 'By the lead unit' : 'By the hotline centre'}. A 409 lists the actions allowed now.`,
        params: IdParams,
        headers: IfMatch,
        body: ACTION_BODIES[action],
        response: { 200: WorkOrderView, ...problems(400, 401, 403, 404, 409, 422) },
      },
      handler: async (request) => {
        const ifMatch = request.headers['if-match'];
        const version = ifMatch === undefined ? undefined : Number(ifMatch.replace(/\D/g, ''));
        if (version !== undefined && !Number.isSafeInteger(version)) throw badRequest('validation_failed', 'If-Match must be a version number');
        return workOrders.act(request.actor, request.params.id, action, request.body as ActionInput, version);
      },
    });
  }

  app.get('/api/v1/inbox', {
    config: { access: ['unit'] },
    schema: {
      tags: ['inbox'],
      summary: "Poll the caller's unit inbox: orders to sign, in hand, reopened, or assisted on",
      description:
        'Ordered by last change. Keep the nextCursor and pass it on the next poll: every change of an order in the inbox is delivered once, none is skipped, even when orders change between polls.',
      querystring: InboxQuery,
      response: { 200: Page(InboxItem), ...problems(400, 401, 403) },
    },
    handler: async (request) => workOrders.inbox(request.actor, request.query.cursor, request.query.limit ?? 100),
  });
};
