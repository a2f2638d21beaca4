import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../plugins/problem';
import { ROLES } from '../auth/principal.entity';
import { RequestTypeSchema, UrgencySchema } from '../work-orders/work-order.schemas';
import { CalendarDaySchema, CalendarStatusSchema, type CalendarStatus, YearNoticeResultSchema, YearNoticeSchema } from './calendar.schemas';
import type { DeadlineService } from './deadline.service';

const DateParam = Type.String({ format: 'date', description: 'YYYY-MM-DD in the bureau time zone' });
const Limit = Type.Union([
  Type.Object({ kind: Type.Literal('working_days'), days: Type.Integer({ minimum: 1, maximum: 60 }), startNextDay: Type.Boolean() }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('clock'), minutes: Type.Integer({ minimum: 1, maximum: 100_000 }) }, { additionalProperties: false }),
]);
const Rules = Type.Object(
  {
    sign: Limit,
    returnWindow: Limit,
    reply: Limit,
    close: Limit,
    warnAtShare: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Warn when this share of the time is used' }),
    urge: Type.Object({ repeatWorkingDays: Type.Integer({ minimum: 1, maximum: 30 }), maxUrges: Type.Integer({ minimum: 1, maximum: 20 }) }, { additionalProperties: false }),
    escalateAfterWorkingDays: Type.Integer({ minimum: 1, maximum: 60 }),
    maxExtensionWorkingDays: Type.Integer({ minimum: 0, maximum: 30 }),
  },
  { additionalProperties: false },
);
const Policy = Type.Object({
  name: Type.String(),
  requestType: Type.Union([Type.String(), Type.Null()]),
  urgency: Type.Union([Type.String(), Type.Null()]),
  category: Type.Union([Type.String(), Type.Null()]),
  rules: Rules,
  active: Type.Boolean(),
  version: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
});
const tags = ['deadlines'];

export const deadlineRoutes: FastifyPluginAsyncTypebox<{ deadlines: DeadlineService }> = async (app, { deadlines }) => {
  registerCalendarMetrics(app.metrics.client, () => deadlines.calendarStatus());

  app.get('/api/v1/calendar', {
    config: { access: ROLES },
    schema: {
      tags,
      summary: 'Holidays and make-up working days (调休) between two dates; other days follow the Monday–Friday week',
      querystring: Type.Object({ from: DateParam, to: DateParam }, { additionalProperties: false }),
      response: { 200: Type.Array(CalendarDaySchema), ...problems(400, 401) },
    },
    handler: async (request) => deadlines.listDays(request.query.from, request.query.to),
  });

  app.get('/api/v1/calendar/status', {
    config: { access: ROLES },
    schema: {
      tags,
      summary: "Whether this year and the next have their State Council notice, or only provisional statutory holidays; what an administrator must do",
      response: { 200: CalendarStatusSchema, ...problems(401) },
    },
    handler: async () => deadlines.calendarStatus(),
  });

  app.put('/api/v1/calendar/years/:year', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: "Enter a year's State Council notice in one piece: its holidays and make-up working days replace every day of the year, provisional ones included; open deadlines move",
      params: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) }),
      body: YearNoticeSchema,
      response: { 200: YearNoticeResultSchema, ...problems(400, 401, 403, 422) },
    },
    handler: async (request) => deadlines.enterYearNotice(request.actor, request.params.year, request.body),
  });

  app.put('/api/v1/calendar/:date', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Set a day as a holiday or a make-up working day; open deadlines it affects are computed again',
      params: Type.Object({ date: DateParam }),
      body: Type.Object({ kind: Type.Union([Type.Literal('holiday'), Type.Literal('workday')]), name: Type.String({ minLength: 1, maxLength: 50 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ recomputed: Type.Integer({ description: 'Open deadlines that moved' }) }), ...problems(400, 401, 403) },
    },
    handler: async (request) => deadlines.setDay(request.actor, { date: request.params.date, ...request.body }),
  });

  app.delete('/api/v1/calendar/:date', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Return a day to the ordinary week; open deadlines it affects are computed again',
      params: Type.Object({ date: DateParam }),
      response: { 200: Type.Object({ recomputed: Type.Integer() }), ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => deadlines.setDay(request.actor, { date: request.params.date, kind: null }),
  });

  app.get('/api/v1/deadline-policies', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: { tags, summary: 'Deadline policies: limits per request type, urgency and category', response: { 200: Type.Array(Policy), ...problems(401, 403) } },
    handler: async () => (await deadlines.listPolicies()).map((p) => ({ ...p, updatedAt: p.updatedAt.toISOString() })),
  });

  app.put('/api/v1/deadline-policies/:name', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Create or change a deadline policy; the most specific matching policy applies to deadlines set from now on',
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 50 }) }),
      body: Type.Object(
        {
          requestType: Type.Union([RequestTypeSchema, Type.Null()]),
          urgency: Type.Union([UrgencySchema, Type.Null()]),
          category: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]),
          rules: Rules,
          active: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      response: { 200: Policy, ...problems(400, 401, 403, 409, 422) },
    },
    handler: async (request) => {
      const saved = await deadlines.putPolicy({ name: request.params.name, ...request.body, active: request.body.active ?? true });
      return { ...saved, updatedAt: saved.updatedAt.toISOString() };
    },
  });
};

/** The calendar's state for Prometheus: alert before deadlines reach a year without its notice. */
function registerCalendarMetrics(client: typeof import('prom-client'), status: () => Promise<CalendarStatus>): void {
  const read = async () => status().catch(() => null);
  new client.Gauge({
    name: 'hotline_calendar_provisional_years',
    help: 'Years (this and next) without their State Council notice: holidays provisional, derived from the 办法, or missing',
    async collect() {
      const s = await read();
      if (s) this.set(s.years.filter((y) => y.state !== 'notice').length);
    },
  });
  new client.Gauge({
    name: 'hotline_calendar_days_until_provisional',
    help: 'Calendar days from today to the next provisional holiday of a year without its notice',
    labelNames: ['year'],
    async collect() {
      const s = await read();
      this.reset();
      for (const y of s?.years ?? []) if (y.daysUntilProvisional !== null) this.set({ year: String(y.year) }, y.daysUntilProvisional);
    },
  });
}
