import type { SatisfactionLevel } from '../settings/settings.catalogue';

/**
 * The monthly assessment (domain.md §10, seed 002) as pure functions: rates from a unit's
 * tallies under the bureau's formulas, the ranking with its tie rule, and the consequences.
 */

/** One unit's counts for a period (a month, or the sum of a quarter's or a year's months). */
export interface Tally {
  unitCode: string;
  unitName: string;
  replyDue: number;
  replied: number;
  repliedOnTime: number;
  closeDue: number;
  closed: number;
  closedOnTime: number;
  callbacksMade: number;
  unreachable: number;
  levels: Record<SatisfactionLevel, number>;
}

export interface Formula {
  satisfiedLevels: SatisfactionLevel[];
  replyOnTimeOnly: boolean;
  closureOnTimeOnly: boolean;
  closureDenominator: 'close_due' | 'reply_due';
  weights: { reply: number; closure: number; satisfaction: number };
  minOrders: number;
  minCallbacks: number;
}

export interface UnitResult extends Tally {
  successfulCallbacks: number;
  satisfiedCallbacks: number;
  /** 回复率, 办结率, 满意率: 0–1, null when there is nothing to divide by. */
  replyRate: number | null;
  closureRate: number | null;
  satisfactionRate: number | null;
  /** The composite, 0–100; null for a unit not ranked. */
  score: number | null;
  ranked: boolean;
  /** 1 for the best; null when not ranked. */
  rank: number | null;
  /** Why a unit is listed but not ranked. */
  notRankedBecause: string | null;
}

export const TIE_RULE = 'score, then satisfaction rate, then reply rate, then successful callbacks (all higher first); units equal on all four share a rank (并列) and are listed by unit code';

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const round = (x: number | null, digits = 4) => (x === null ? null : Number(x.toFixed(digits)));

export function rates(t: Tally, f: Formula): Pick<UnitResult, 'successfulCallbacks' | 'satisfiedCallbacks' | 'replyRate' | 'closureRate' | 'satisfactionRate'> {
  const successfulCallbacks = t.callbacksMade - t.unreachable;
  const satisfiedCallbacks = f.satisfiedLevels.reduce((sum, level) => sum + t.levels[level], 0);
  return {
    successfulCallbacks,
    satisfiedCallbacks,
    replyRate: round(ratio(f.replyOnTimeOnly ? t.repliedOnTime : t.replied, t.replyDue)),
    closureRate: round(ratio(f.closureOnTimeOnly ? t.closedOnTime : t.closed, f.closureDenominator === 'close_due' ? t.closeDue : t.replyDue)),
    satisfactionRate: round(ratio(satisfiedCallbacks, successfulCallbacks)),
  };
}

/** Every unit with its rates; units with enough orders and callbacks ranked by score under the tie rule. */
export function assess(tallies: Tally[], f: Formula): UnitResult[] {
  const results: UnitResult[] = tallies.map((t) => {
    const r = rates(t, f);
    const notRankedBecause =
      t.replyDue === 0 && t.callbacksMade === 0
        ? 'no orders in the period'
        : t.replyDue < Math.max(1, f.minOrders)
          ? `fewer than ${f.minOrders} orders due`
          : r.successfulCallbacks < Math.max(1, f.minCallbacks)
            ? `fewer than ${f.minCallbacks} successful callbacks`
            : r.closureRate === null
              ? 'no closing fell due'
              : null;
    // Weights that are all zero mean no preference: the three rates count alike.
    const w = f.weights.reply + f.weights.closure + f.weights.satisfaction > 0 ? f.weights : { reply: 1, closure: 1, satisfaction: 1 };
    const score =
      notRankedBecause === null
        ? round((100 * (w.reply * r.replyRate! + w.closure * r.closureRate! + w.satisfaction * r.satisfactionRate!)) / (w.reply + w.closure + w.satisfaction), 2)
        : null;
    return { ...t, ...r, score, ranked: notRankedBecause === null, rank: null, notRankedBecause };
  });
  const ranked = results.filter((r) => r.ranked).sort((a, b) => compare(a, b) || a.unitCode.localeCompare(b.unitCode));
  // 并列: a unit equal to the one before it on every criterion shares its rank; the next rank skips (1, 1, 3).
  ranked.forEach((r, i) => (r.rank = i > 0 && compare(ranked[i - 1], r) === 0 ? ranked[i - 1].rank : i + 1));
  return [...ranked, ...results.filter((r) => !r.ranked).sort((a, b) => a.unitCode.localeCompare(b.unitCode))];
}

function compare(a: UnitResult, b: UnitResult): number {
  return (
    b.score! - a.score! ||
    b.satisfactionRate! - a.satisfactionRate! ||
    b.replyRate! - a.replyRate! ||
    b.successfulCallbacks - a.successfulCallbacks
  );
}

/** 通报表扬: every unit whose callbacks were all satisfied, with at least the minimum of callbacks. */
export function praised(results: UnitResult[], f: Formula): string[] {
  return results.filter((r) => r.successfulCallbacks >= Math.max(1, f.minCallbacks) && r.satisfiedCallbacks === r.successfulCallbacks).map((r) => r.unitCode);
}

/**
 * 通报批评: the last ranked unit, when at least two are ranked. Null when the last rank is shared
 * (并列): the bulletin names the tied units and leaves the choice to the commanders (see `lastTied`).
 */
export function criticised(results: UnitResult[]): string | null {
  const ranked = results.filter((r) => r.ranked);
  if (ranked.length < 2 || lastTied(results).length > 1) return null;
  return ranked[ranked.length - 1].unitCode;
}

/** The units sharing the last rank (one unit when the last rank is not shared; none when nobody is ranked). */
export function lastTied(results: UnitResult[]): string[] {
  const ranked = results.filter((r) => r.ranked);
  const last = ranked.at(-1)?.rank;
  return ranked.filter((r) => r.rank === last).map((r) => r.unitCode);
}

export function bottomThree(results: UnitResult[]): string[] {
  const ranked = results.filter((r) => r.ranked);
  return ranked.length > 3 ? ranked.slice(-3).map((r) => r.unitCode) : [];
}

/** 作检查报告: units in the bottom three of each of the given consecutive months (oldest first). */
export function bottomThreeStreak(months: UnitResult[][]): string[] {
  if (!months.length) return [];
  const sets = months.map((m) => new Set(bottomThree(m)));
  return [...sets[sets.length - 1]].filter((code) => sets.every((s) => s.has(code))).sort();
}

/** A quarter's excellent units: the top of its ranking; a unit tied (并列) with the last one selected is selected too. */
export function excellent(results: UnitResult[], count: number): string[] {
  return results.filter((r) => r.ranked && r.rank! <= count).map((r) => r.unitCode);
}

/** Sums months' tallies per unit (a quarter, a year). */
export function sumTallies(months: Tally[][]): Tally[] {
  const byUnit = new Map<string, Tally>();
  for (const t of months.flat()) {
    const acc = byUnit.get(t.unitCode);
    if (!acc) {
      byUnit.set(t.unitCode, { ...t, levels: { ...t.levels } });
      continue;
    }
    for (const key of ['replyDue', 'replied', 'repliedOnTime', 'closeDue', 'closed', 'closedOnTime', 'callbacksMade', 'unreachable'] as const) acc[key] += t[key];
    for (const level of Object.keys(acc.levels) as SatisfactionLevel[]) acc.levels[level] += t.levels[level];
  }
  return [...byUnit.values()];
}

/** Periods: "2026-07" a month, "2026-Q3" a quarter, "2026" a year; each as its first months (YYYY-MM). */
export type Period = { kind: 'month' | 'quarter' | 'year'; label: string; months: string[] };

export function parsePeriod(value: string): Period | null {
  let m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(value);
  if (m) return { kind: 'month', label: value, months: [value] };
  m = /^(\d{4})-Q([1-4])$/.exec(value);
  if (m) {
    const first = (Number(m[2]) - 1) * 3 + 1;
    return { kind: 'quarter', label: value, months: [0, 1, 2].map((i) => `${m![1]}-${String(first + i).padStart(2, '0')}`) };
  }
  m = /^(\d{4})$/.exec(value);
  if (m) return { kind: 'year', label: value, months: Array.from({ length: 12 }, (_, i) => `${m![1]}-${String(i + 1).padStart(2, '0')}`) };
  return null;
}

/** The month `n` months before "YYYY-MM" (across year boundaries). */
export function monthBefore(month: string, n: number): string {
  const [y, mo] = month.split('-').map(Number);
  const index = y * 12 + (mo - 1) - n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
