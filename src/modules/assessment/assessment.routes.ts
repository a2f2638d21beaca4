import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { badRequest } from '../../errors';
import { problems } from '../../plugins/problem';
import { literals, Nullable } from '../../schemas/common';
import { SATISFACTION_LEVELS } from '../settings/settings.catalogue';
import type { AssessmentService } from './assessment.service';
import { monthBefore } from './formulas';
import { bulletinPage, periodName, rankingWorkbook, trendsPage } from './report-render';

const tags = ['reports'];
const readers = ['commander', 'admin', 'operator'] as const;

const PeriodQuery = Type.Object(
  {
    month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'e.g. 2026-07' })),
    quarter: Type.Optional(Type.String({ pattern: '^\\d{4}-Q[1-4]$', description: 'e.g. 2026-Q3' })),
    year: Type.Optional(Type.String({ pattern: '^\\d{4}$', description: 'e.g. 2026' })),
  },
  { additionalProperties: false },
);
type PeriodQuery = { month?: string; quarter?: string; year?: string };

/** Exactly one of month, quarter, year; for a page, none means `fallback` (last month). */
function periodOf(q: PeriodQuery, fallback?: string): string {
  const given = [q.month, q.quarter, q.year].filter((v): v is string => v !== undefined);
  if (given.length === 0 && fallback) return fallback;
  if (given.length !== 1) throw badRequest('invalid_period', 'give exactly one of month (YYYY-MM), quarter (YYYY-Qn) or year (YYYY)');
  return given[0];
}

const Rate = Nullable(Type.Number({ minimum: 0, maximum: 1 }));
const UnitResult = Type.Object({
  unitCode: Type.String(),
  unitName: Type.String(),
  replyDue: Type.Integer({ description: 'Replies that fell due in the period' }),
  replied: Type.Integer(),
  repliedOnTime: Type.Integer(),
  closeDue: Type.Integer(),
  closed: Type.Integer(),
  closedOnTime: Type.Integer(),
  callbacksMade: Type.Integer(),
  unreachable: Type.Integer({ description: 'Callbacks counted apart: the citizen could not be reached' }),
  levels: Type.Object(Object.fromEntries(SATISFACTION_LEVELS.map((l) => [l, Type.Integer()]))),
  successfulCallbacks: Type.Integer(),
  satisfiedCallbacks: Type.Integer(),
  replyRate: Rate,
  closureRate: Rate,
  satisfactionRate: Rate,
  score: Nullable(Type.Number({ description: 'Composite 0–100' })),
  ranked: Type.Boolean(),
  rank: Nullable(Type.Integer({ minimum: 1 })),
  notRankedBecause: Nullable(Type.String()),
});

const RankingReport = Type.Object({
  period: Type.Object({ kind: literals(['month', 'quarter', 'year'] as const), label: Type.String(), months: Type.Array(Type.String()) }),
  final: Type.Boolean({ description: 'Whether the period is over; until then the ranking and the consequences are provisional' }),
  document: Type.Object({
    number: Type.String({ description: '文号, e.g. 长公热月通〔2026〕7号 (settings reports.documentPrefix)' }),
    issuer: Type.String({ description: '发文机关 (settings reports.issuer)' }),
  }),
  formula: Type.Object({
    satisfiedLevels: Type.Array(literals(SATISFACTION_LEVELS)),
    replyOnTimeOnly: Type.Boolean(),
    closureOnTimeOnly: Type.Boolean(),
    closureDenominator: literals(['close_due', 'reply_due'] as const),
    weights: Type.Object({ reply: Type.Number(), closure: Type.Number(), satisfaction: Type.Number() }),
    minOrders: Type.Integer(),
    minCallbacks: Type.Integer(),
    tieRule: Type.String(),
  }),
  units: Type.Array(UnitResult, { description: 'Ranked units by rank (units tied on every criterion share a rank, 并列), then the units listed but not ranked' }),
  consequences: Type.Object({
    praised: Type.Array(Type.String(), { description: '通报表扬: 100 % satisfaction with at least the minimum of callbacks' }),
    criticised: Nullable(Type.String({ description: '通报批评: the last ranked unit; null when the last rank is shared (并列)' })),
    bottomThreeStreak: Type.Array(Type.String(), { description: '作检查报告: bottom three in this month and the two before' }),
    excellent: Type.Array(Type.String(), { description: "季度优秀: the quarter's excellent units (a year: each quarter's)" }),
    yearlyRewarded: Type.Array(Type.String(), { description: 'Excellent in three or more quarters of the year' }),
  }),
  generatedAt: Type.String({ format: 'date-time' }),
});

const OwnFigures = Type.Object({
  month: Type.String(),
  final: Type.Boolean({ description: 'Whether the month is over; until then the figures still move' }),
  unit: UnitResult,
  rankedUnits: Type.Integer({ description: 'How many units the month ranks' }),
  rankedKind: Type.Boolean({ description: 'Whether units of this kind are ranked (assessment.unitKinds)' }),
  praised: Type.Boolean(),
  criticised: Type.Boolean(),
});
const OwnQuery = Type.Object(
  { month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'e.g. 2026-07; the current month when left out' })) },
  { additionalProperties: false },
);

const Series = Type.Object({ counts: Type.Array(Type.Integer()), total: Type.Integer() });
const Trends = Type.Object({
  from: Type.String(),
  to: Type.String(),
  months: Type.Array(Type.String()),
  byCategory: Type.Array(Type.Composite([Type.Object({ category: Type.String() }), Series])),
  byMatter: Type.Array(Type.Composite([Type.Object({ matter: Type.String({ description: '噪音扰民 or 不文明养犬, read from the text' }) }), Series]), {
    description: 'Noise and dog complaints, whatever their platform category',
  }),
  hotSpots: Type.Array(Type.Composite([Type.Object({ place: Type.String() }), Series])),
  noiseHotSpots: Type.Array(Type.Composite([Type.Object({ place: Type.String() }), Series]), { description: 'The places of most noise and dog complaints' }),
  repeatSources: Type.Array(
    Type.Object({
      original: Type.Object({ id: Type.String(), externalNo: Type.String(), receivedAt: Type.String(), state: Type.String(), content: Type.String(), address: Type.String(), relation: Type.String() }),
      repeats: Type.Array(Type.Object({ id: Type.String(), externalNo: Type.String(), receivedAt: Type.String(), state: Type.String(), content: Type.String(), address: Type.String(), relation: Type.String() })),
      count: Type.Integer(),
      callers: Type.Integer(),
      noiseSourceId: Nullable(Type.String()),
    }),
  ),
});
const TrendsQuery = Type.Object(
  { from: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }), to: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }) },
  { additionalProperties: false },
);
const TrendsPageQuery = Type.Object(
  { from: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' })), to: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' })) },
  { additionalProperties: false },
);
const Html = Type.String({ description: 'A printable Chinese page (text/html)' });

export const assessmentRoutes: FastifyPluginAsyncTypebox<{ assessment: AssessmentService }> = async (app, { assessment }) => {
  app.get('/api/v1/reports/rankings', {
    config: { access: readers },
    schema: {
      tags,
      summary: "A month's, quarter's or year's assessment: rates, ranking and consequences per unit",
      querystring: PeriodQuery,
      response: { 200: RankingReport, ...problems(400, 401, 403) },
    },
    handler: async (request) => assessment.report(periodOf(request.query)),
  });

  app.get('/api/v1/reports/own', {
    config: { access: ['unit'] },
    schema: {
      tags,
      summary: "本单位考核: the caller's own unit's month as the ranking counts it, never another unit's row",
      querystring: OwnQuery,
      response: { 200: OwnFigures, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => assessment.ownFigures(request.actor.unitId!, request.query.month),
  });

  app.get('/api/v1/reports/rankings.xlsx', {
    config: { access: readers },
    schema: {
      tags,
      summary: 'The same ranking as an Excel workbook with Chinese headings',
      querystring: PeriodQuery,
      produces: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The .xlsx file' }), ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => {
      const report = await assessment.report(periodOf(request.query));
      const name = encodeURIComponent(`${periodName(report.period)}排名.xlsx`);
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="rankings-${report.period.label}.xlsx"; filename*=UTF-8''${name}`)
        .send(await rankingWorkbook(report));
    },
  });

  app.get('/api/v1/reports/bulletin', {
    config: { access: readers },
    schema: {
      tags,
      summary: 'The printable Chinese bulletin (通报) of the ranking, with a chart of the three rates per unit',
      description: 'Without a period: last month.',
      querystring: PeriodQuery,
      produces: ['text/html'],
      response: { 200: Html, ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => reply.type('text/html; charset=utf-8').send(bulletinPage(await assessment.report(periodOf(request.query, assessment.lastMonth())), assessment.timeZone)),
  });

  app.get('/api/v1/reports/rankings/check', {
    config: { access: ['commander', 'admin'] },
    schema: {
      tags,
      summary: "Recompute a period's figures from the milestone and callback records and compare them with the tallies",
      querystring: PeriodQuery,
      response: {
        200: Type.Object({
          period: Type.String(),
          agrees: Type.Boolean(),
          differences: Type.Array(Type.Object({ unitCode: Type.String(), month: Type.String(), field: Type.String(), tallied: Type.Integer(), recomputed: Type.Integer() })),
        }),
        ...problems(400, 401, 403),
      },
    },
    handler: async (request) => assessment.check(periodOf(request.query)),
  });

  app.post('/api/v1/reports/tallies/rebuild', {
    config: { access: ['admin'] },
    schema: {
      tags,
      summary: 'Rebuild every tally from the records (a repair after a check disagreed)',
      response: { 200: Type.Object({ rows: Type.Integer() }), ...problems(401, 403) },
    },
    handler: async () => assessment.rebuild(),
  });

  app.get('/api/v1/reports/trends', {
    config: { access: readers },
    schema: {
      tags,
      summary: 'Monthly counts per category and place, and the top repeat sources',
      querystring: TrendsQuery,
      response: { 200: Trends, ...problems(400, 401, 403) },
    },
    handler: async (request) => assessment.trends(request.query.from, request.query.to),
  });

  app.get('/api/v1/reports/trends.html', {
    config: { access: readers },
    schema: {
      tags,
      summary: 'The trends as a printable Chinese page with a chart',
      description: 'Without from and to: the twelve months up to last month; with only `to`, the twelve months up to it.',
      querystring: TrendsPageQuery,
      produces: ['text/html'],
      response: { 200: Html, ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => {
      const to = request.query.to ?? (request.query.from ? undefined : assessment.lastMonth());
      if (!to) throw badRequest('invalid_period', 'give to (YYYY-MM), or neither from nor to');
      const from = request.query.from ?? monthBefore(to, 11);
      return reply.type('text/html; charset=utf-8').send(trendsPage(await assessment.trends(from, to), await assessment.issuer(), assessment.timeZone, assessment.now()));
    },
  });
};
