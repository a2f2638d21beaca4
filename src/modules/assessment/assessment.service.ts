import { TZDate } from '@date-fns/tz';
import type { EntityManager } from 'typeorm';
import { returnedRows, type Database } from '../../db/database';
import { format } from 'date-fns';
import { badRequest, notFound } from '../../errors';
import type { RepeatGroup, RepeatService } from '../repeats/repeat.service';
import { DOG_WORDS, NOISE_WORDS } from '../repeats/similarity';
import { SATISFACTION_LEVELS, type SatisfactionLevel } from '../settings/settings.catalogue';
import type { SettingsService } from '../settings/settings.service';
import {
  assess,
  bottomThreeStreak,
  criticised,
  excellent,
  monthBefore,
  parsePeriod,
  praised,
  rates,
  sumTallies,
  TIE_RULE,
  type Formula,
  type Period,
  type Tally,
  type UnitResult,
} from './formulas';

/**
 * The bureau's months, in SQL: in the zone the database holds (TZ_BUREAU, adopted at start-up
 * by `adoptTimeZone`), the one the tally triggers count in.
 */
const ZONE = 'bureau_time_zone()';

export interface RankingReport {
  period: { kind: Period['kind']; label: string; months: string[] };
  /** Whether the period is over; until then the figures, the ranking and the consequences still move. */
  final: boolean;
  /** The bulletin's document number (文号) and issuing office (发文机关). */
  document: { number: string; issuer: string };
  formula: Formula & { tieRule: string };
  units: UnitResult[];
  consequences: {
    /** 通报表扬 */
    praised: string[];
    /** 通报批评 */
    criticised: string | null;
    /** 作检查报告: bottom three in this month and the two before (a month's report only). */
    bottomThreeStreak: string[];
    /** 季度优秀: the quarter's excellent units (a quarter's report), or each quarter's (a year's). */
    excellent: string[];
    /** 年度奖励: units excellent in three or more quarters of the year (a year's report). */
    yearlyRewarded: string[];
  };
  generatedAt: string;
}

/** One unit's own month, as the ranking shows it: what a station or agency may read of the assessment. */
export interface OwnFigures {
  month: string;
  /** Whether the month is over; until then the figures still move. */
  final: boolean;
  unit: UnitResult;
  /** How many units the month ranks; the unit's rank is among these. */
  rankedUnits: number;
  /** Whether the unit's kind is ranked at all (assessment.unitKinds); an agency's figures are shown unranked. */
  rankedKind: boolean;
  praised: boolean;
  criticised: boolean;
}

export interface TallyDifference {
  unitCode: string;
  month: string;
  field: string;
  tallied: number;
  recomputed: number;
}

export interface Trends {
  from: string;
  to: string;
  months: string[];
  byCategory: { category: string; counts: number[]; total: number }[];
  /** Noise and dog complaints read from the orders' text, whatever their platform category: the summer rise. */
  byMatter: { matter: string; counts: number[]; total: number }[];
  hotSpots: { place: string; total: number; counts: number[] }[];
  /** The places of most noise and dog complaints. */
  noiseHotSpots: { place: string; total: number; counts: number[] }[];
  repeatSources: RepeatGroup[];
}

const COUNT_FIELDS = [
  'reply_due',
  'replied',
  'replied_on_time',
  'close_due',
  'closed',
  'closed_on_time',
  'callbacks_made',
  'unreachable',
  ...SATISFACTION_LEVELS,
] as const;

type TallyRow = { unit_code: string; unit_name: string; month: string } & Record<(typeof COUNT_FIELDS)[number], number>;

/** What the triggers tally, computed again from the milestone and callback records. */
const RECOMPUTE_SQL = `
  WITH ms AS (
    SELECT unit_id, date_trunc('month', due_at AT TIME ZONE ${ZONE})::date AS month,
      count(*) FILTER (WHERE milestone = 'reply') AS reply_due,
      count(*) FILTER (WHERE milestone = 'reply' AND state = 'met') AS replied,
      count(*) FILTER (WHERE milestone = 'reply' AND state = 'met' AND met_at <= due_at) AS replied_on_time,
      count(*) FILTER (WHERE milestone = 'close') AS close_due,
      count(*) FILTER (WHERE milestone = 'close' AND state = 'met') AS closed,
      count(*) FILTER (WHERE milestone = 'close' AND state = 'met' AND met_at <= due_at) AS closed_on_time
    FROM work_order_milestones
    WHERE NOT exempt AND milestone IN ('reply', 'close') AND NOT (state = 'cancelled' AND ended_at <= due_at)
      AND due_at >= $1 AND due_at < $2
    GROUP BY 1, 2
  ), cb AS (
    SELECT unit_id, date_trunc('month', completed_at AT TIME ZONE ${ZONE})::date AS month,
      count(*) AS callbacks_made,
      count(*) FILTER (WHERE state = 'unreachable') AS unreachable,
      ${SATISFACTION_LEVELS.map((l) => `count(*) FILTER (WHERE satisfaction = '${l}') AS ${l}`).join(', ')}
    FROM callbacks
    WHERE NOT exempt AND state IN ('done', 'unreachable') AND completed_at >= $1 AND completed_at < $2
    GROUP BY 1, 2
  )
  SELECT coalesce(ms.unit_id, cb.unit_id) AS unit_id, coalesce(ms.month, cb.month) AS month,
    ${COUNT_FIELDS.map((f) => `coalesce(${['reply_due', 'replied', 'replied_on_time', 'close_due', 'closed', 'closed_on_time'].includes(f) ? 'ms' : 'cb'}.${f}, 0)::int AS ${f}`).join(', ')}
  FROM ms FULL JOIN cb ON cb.unit_id = ms.unit_id AND cb.month = ms.month`;

/**
 * The monthly, quarterly and yearly assessment (domain.md §10). Figures come from the
 * per-unit, per-month tallies the database keeps as milestones and callbacks change, so a
 * report reads one row per unit and month whatever the volume; `check` recomputes them from
 * the records and says where they differ.
 */
export class AssessmentService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsService,
    private readonly repeats: RepeatService,
    /** TZ_BUREAU: the zone the bureau's months are counted in. */
    readonly timeZone: string,
    readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Makes the database count months in the configured zone. When it counted them in another
   * until now (TZ_BUREAU changed), the tallies are rebuilt in the same transaction, so that no
   * month holds figures of two zones. Every process calls it at start-up; the first with a new
   * zone rebuilds, the others find it done.
   */
  adoptTimeZone(): Promise<{ timeZone: string; previous: string; rebuilt: boolean }> {
    return this.db.write(async (m) => {
      try {
        await m.query(`SELECT now() AT TIME ZONE $1`, [this.timeZone]);
      } catch (err) {
        throw new Error(`TZ_BUREAU: the database does not know the time zone ${this.timeZone}`, { cause: err });
      }
      const [row] = (await m.query(`SELECT time_zone FROM bureau_time FOR UPDATE`)) as { time_zone: string }[];
      const previous = row.time_zone;
      if (previous === this.timeZone) return { timeZone: this.timeZone, previous, rebuilt: false };
      await m.query(`UPDATE bureau_time SET time_zone = $1, updated_at = $2`, [this.timeZone, this.now()]);
      await this.rebuildIn(m);
      return { timeZone: this.timeZone, previous, rebuilt: true };
    });
  }

  period(value: string): Period {
    const period = parsePeriod(value);
    if (!period) throw badRequest('invalid_period', `${value} is not a month (2026-07), a quarter (2026-Q3) or a year (2026)`);
    return period;
  }

  report(value: string): Promise<RankingReport> {
    const period = this.period(value);
    return this.db.read(async (m) => {
      const formula = await this.formula(m);
      const kinds = await this.settings.get(m, 'assessment.unitKinds');
      const monthly = await this.tallies(m, period.months, kinds);
      const units = assess(sumTallies(monthly), formula);
      const consequences: RankingReport['consequences'] = { praised: praised(units, formula), criticised: criticised(units), bottomThreeStreak: [], excellent: [], yearlyRewarded: [] };
      const perQuarter = await this.settings.get(m, 'assessment.excellentPerQuarter');
      if (period.kind === 'month') {
        const months = [monthBefore(period.label, 2), monthBefore(period.label, 1), period.label];
        const streak = await this.tallies(m, months, kinds);
        consequences.bottomThreeStreak = bottomThreeStreak(streak.map((t) => assess(t, formula)));
      } else if (period.kind === 'quarter') {
        consequences.excellent = excellent(units, perQuarter);
      } else {
        const counts = new Map<string, number>();
        for (let q = 0; q < 4; q++) {
          const quarter = assess(sumTallies(monthly.slice(q * 3, q * 3 + 3)), formula);
          for (const code of excellent(quarter, perQuarter)) counts.set(code, (counts.get(code) ?? 0) + 1);
        }
        consequences.excellent = [...counts.keys()].sort();
        consequences.yearlyRewarded = [...counts].filter(([, n]) => n >= 3).map(([code]) => code).sort();
      }
      const [, end] = bounds(period.months, this.timeZone);
      const year = period.label.slice(0, 4);
      const serial = period.kind === 'month' ? Number(period.label.slice(5)) : period.kind === 'quarter' ? Number(period.label.slice(-1)) : 1;
      const prefix = await this.settings.get(m, 'reports.documentPrefix');
      return {
        period: { kind: period.kind, label: period.label, months: period.months },
        final: this.now() >= end,
        document: { number: `${prefix}${{ month: '月', quarter: '季', year: '年' }[period.kind]}通〔${year}〕${serial}号`, issuer: await this.settings.get(m, 'reports.issuer') },
        formula: { ...formula, tieRule: TIE_RULE },
        units,
        consequences,
        generatedAt: this.now().toISOString(),
      };
    });
  }

  /** Last month (YYYY-MM) in the bureau's zone: what the bulletin opens without a period. */
  lastMonth(): string {
    return monthBefore(format(new TZDate(this.now(), this.timeZone), 'yyyy-MM'), 1);
  }

  /** The issuing office, for the trends page. */
  issuer(): Promise<string> {
    return this.db.read((m) => this.settings.get(m, 'reports.issuer'));
  }

  /**
   * A unit's own row of a month's ranking, and nothing of the others' but how many are ranked.
   * A unit of a kind the bureau does not rank gets its rates, unranked.
   */
  async ownFigures(unitId: string, month: string | undefined): Promise<OwnFigures> {
    const label = month ?? format(new TZDate(this.now(), this.timeZone), 'yyyy-MM');
    const period = this.period(label);
    if (period.kind !== 'month') throw badRequest('invalid_period', 'month is YYYY-MM');
    const report = await this.report(label);
    const [unit] = (await this.db.read((m) => m.query(`SELECT code, kind FROM units WHERE id = $1`, [unitId]))) as { code: string; kind: string }[];
    if (!unit) throw notFound('unit', unitId);
    let own = report.units.find((u) => u.unitCode === unit.code);
    const rankedKind = own !== undefined;
    if (!own) {
      const [tallies] = await this.db.read((m) => this.tallies(m, period.months, [unit.kind], unit.code));
      const tally = tallies.find((t) => t.unitCode === unit.code);
      if (!tally) throw notFound('unit', unitId);
      own = { ...tally, ...rates(tally, report.formula), score: null, ranked: false, rank: null, notRankedBecause: 'unit kind not ranked' };
    }
    return {
      month: label,
      final: report.final,
      unit: own,
      rankedUnits: report.units.filter((u) => u.ranked).length,
      rankedKind,
      praised: report.consequences.praised.includes(unit.code),
      criticised: report.consequences.criticised === unit.code,
    };
  }

  /** Recomputes the period's figures from the milestone and callback records; the tallies must agree. */
  check(value: string): Promise<{ period: string; agrees: boolean; differences: TallyDifference[] }> {
    const period = this.period(value);
    return this.db.read(async (m) => {
      const [from, to] = bounds(period.months, this.timeZone);
      const recomputed = (await m.query(
        `SELECT u.code AS unit_code, to_char(r.month, 'YYYY-MM') AS month, ${COUNT_FIELDS.map((f) => `r.${f}`).join(', ')} FROM (${RECOMPUTE_SQL}) r JOIN units u ON u.id = r.unit_id`,
        [from, to],
      )) as TallyRow[];
      const tallied = (await m.query(
        `SELECT u.code AS unit_code, to_char(t.month, 'YYYY-MM') AS month, ${COUNT_FIELDS.map((f) => `t.${f}`).join(', ')}
         FROM unit_month_tallies t JOIN units u ON u.id = t.unit_id WHERE t.month >= $1::date AND t.month < $2::date`,
        [`${period.months[0]}-01`, `${nextMonth(period.months[period.months.length - 1])}-01`],
      )) as TallyRow[];
      const key = (r: TallyRow) => `${r.unit_code}|${r.month}`;
      const a = new Map(tallied.map((r) => [key(r), r]));
      const b = new Map(recomputed.map((r) => [key(r), r]));
      const differences: TallyDifference[] = [];
      for (const k of new Set([...a.keys(), ...b.keys()])) {
        const [unitCode, month] = k.split('|');
        for (const field of COUNT_FIELDS) {
          const x = Number(a.get(k)?.[field] ?? 0);
          const y = Number(b.get(k)?.[field] ?? 0);
          if (x !== y) differences.push({ unitCode, month, field, tallied: x, recomputed: y });
        }
      }
      return { period: period.label, agrees: differences.length === 0, differences };
    });
  }

  /** Rebuilds every tally from the records (a repair; writers wait while it runs). */
  async rebuild(): Promise<{ rows: number }> {
    return this.db.write((m) => this.rebuildIn(m));
  }

  private async rebuildIn(m: EntityManager): Promise<{ rows: number }> {
    await m.query(`LOCK TABLE work_order_milestones, callbacks IN SHARE MODE`);
    await m.query(`DELETE FROM unit_month_tallies`);
    const rows = await m.query(`INSERT INTO unit_month_tallies (unit_id, month, ${COUNT_FIELDS.join(', ')}) SELECT unit_id, month, ${COUNT_FIELDS.join(', ')} FROM (${RECOMPUTE_SQL}) r RETURNING 1`, [
      new Date('1970-01-01T00:00:00Z'),
      new Date('9999-01-01T00:00:00Z'),
    ]);
    return { rows: returnedRows(rows).length };
  }

  /** Monthly counts per category and place, and the top repeat sources: what rises each summer, and where. */
  trends(from: string, to: string): Promise<Trends> {
    const first = parsePeriod(from);
    const last = parsePeriod(to);
    if (first?.kind !== 'month' || last?.kind !== 'month' || from > to) throw badRequest('invalid_period', 'from and to are months (YYYY-MM), from not after to');
    const months: string[] = [];
    for (let mo = from; mo <= to; mo = nextMonth(mo)) months.push(mo);
    if (months.length > 36) throw badRequest('invalid_period', 'at most 36 months at once');
    const [start, end] = bounds(months, this.timeZone);
    return this.db.read(async (m) => {
      const categories = (await m.query(
        `SELECT to_char(received_at AT TIME ZONE ${ZONE}, 'YYYY-MM') AS month, coalesce(nullif(category, ''), '未分类') AS category, count(*)::int AS n
         FROM work_orders WHERE received_at >= $1 AND received_at < $2 AND state <> 'cancelled' GROUP BY 1, 2`,
        [start, end],
      )) as { month: string; category: string; n: number }[];
      const places = (await m.query(
        `WITH top AS (
           SELECT place_key FROM work_orders WHERE received_at >= $1 AND received_at < $2 AND place_key <> '' AND state <> 'cancelled'
           GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 15)
         SELECT w.place_key AS place, to_char(w.received_at AT TIME ZONE ${ZONE}, 'YYYY-MM') AS month, count(*)::int AS n
         FROM work_orders w JOIN top USING (place_key) WHERE w.received_at >= $1 AND w.received_at < $2 AND w.state <> 'cancelled' GROUP BY 1, 2`,
        [start, end],
      )) as { place: string; month: string; n: number }[];
      const matters = (await m.query(
        `SELECT to_char(w.received_at AT TIME ZONE ${ZONE}, 'YYYY-MM') AS month, k.matter, count(*)::int AS n
         FROM work_orders w CROSS JOIN LATERAL (VALUES ('噪音扰民', w.content ~ $3), ('不文明养犬', w.content ~ $4)) AS k(matter, hit)
         WHERE k.hit AND w.received_at >= $1 AND w.received_at < $2 AND w.state <> 'cancelled' GROUP BY 1, 2`,
        [start, end, NOISE_WORDS, DOG_WORDS],
      )) as { month: string; matter: string; n: number }[];
      const noisePlaces = (await m.query(
        `WITH noise AS (
           SELECT place_key, received_at FROM work_orders
           WHERE received_at >= $1 AND received_at < $2 AND place_key <> '' AND state <> 'cancelled' AND content ~ $3),
         top AS (SELECT place_key FROM noise GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 10)
         SELECT n.place_key AS place, to_char(n.received_at AT TIME ZONE ${ZONE}, 'YYYY-MM') AS month, count(*)::int AS n
         FROM noise n JOIN top USING (place_key) GROUP BY 1, 2`,
        [start, end, `${NOISE_WORDS}|${DOG_WORDS}`],
      )) as { place: string; month: string; n: number }[];
      const series = <K extends string>(rows: ({ month: string; n: number } & Record<K, string>)[], k: K) => {
        const byKey = new Map<string, number[]>();
        for (const r of rows) {
          const counts = byKey.get(r[k]) ?? new Array<number>(months.length).fill(0);
          counts[months.indexOf(r.month)] += r.n;
          byKey.set(r[k], counts);
        }
        return [...byKey].map(([key, counts]) => ({ key, counts, total: counts.reduce((a, b) => a + b, 0) })).sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
      };
      return {
        from,
        to,
        months,
        byCategory: series(categories, 'category').map(({ key, ...rest }) => ({ category: key, ...rest })),
        byMatter: series(matters, 'matter').map(({ key, ...rest }) => ({ matter: key, ...rest })),
        hotSpots: series(places, 'place').map(({ key, ...rest }) => ({ place: key, ...rest })),
        noiseHotSpots: series(noisePlaces, 'place').map(({ key, ...rest }) => ({ place: key, ...rest })),
        repeatSources: await this.repeats.topSourcesIn(m, start, end, 10),
      };
    });
  }

  private async formula(m: EntityManager): Promise<Formula> {
    return {
      satisfiedLevels: (await this.settings.get(m, 'assessment.satisfiedLevels')) as SatisfactionLevel[],
      replyOnTimeOnly: await this.settings.get(m, 'assessment.replyOnTimeOnly'),
      closureOnTimeOnly: await this.settings.get(m, 'assessment.closureOnTimeOnly'),
      closureDenominator: await this.settings.get(m, 'assessment.closureDenominator'),
      weights: await this.settings.get(m, 'assessment.weights'),
      minOrders: await this.settings.get(m, 'assessment.minOrders'),
      minCallbacks: await this.settings.get(m, 'assessment.minCallbacks'),
    };
  }

  /** Each month's tallies for every active unit of the ranked kinds, zeros for a unit with none. One indexed query. */
  private async tallies(m: EntityManager, months: string[], kinds: readonly string[], onlyCode?: string): Promise<Tally[][]> {
    const rows = (await m.query(
      `SELECT u.code AS unit_code, u.name AS unit_name, to_char(mo.month, 'YYYY-MM') AS month, ${COUNT_FIELDS.map((f) => `coalesce(t.${f}, 0)::int AS ${f}`).join(', ')}
       FROM units u
       CROSS JOIN unnest($1::date[]) AS mo(month)
       LEFT JOIN unit_month_tallies t ON t.unit_id = u.id AND t.month = mo.month
       WHERE u.active AND u.kind = ANY($2) AND ($3::text IS NULL OR u.code = $3)
       ORDER BY u.code`,
      [months.map((mo) => `${mo}-01`), kinds, onlyCode ?? null],
    )) as TallyRow[];
    return months.map((mo) => rows.filter((r) => r.month === mo).map(toTally));
  }
}

function toTally(r: TallyRow): Tally {
  return {
    unitCode: r.unit_code,
    unitName: r.unit_name,
    replyDue: r.reply_due,
    replied: r.replied,
    repliedOnTime: r.replied_on_time,
    closeDue: r.close_due,
    closed: r.closed,
    closedOnTime: r.closed_on_time,
    callbacksMade: r.callbacks_made,
    unreachable: r.unreachable,
    levels: Object.fromEntries(SATISFACTION_LEVELS.map((l) => [l, r[l]])) as Record<SatisfactionLevel, number>,
  };
}

function nextMonth(month: string): string {
  return monthBefore(month, -1);
}

/** The instants a run of months spans, in the bureau's zone. */
function bounds(months: string[], timeZone: string): [Date, Date] {
  const start = (month: string) => {
    const [y, mo] = month.split('-').map(Number);
    return new Date(new TZDate(y, mo - 1, 1, 0, 0, 0, timeZone).getTime());
  };
  return [start(months[0]), start(nextMonth(months[months.length - 1]))];
}
