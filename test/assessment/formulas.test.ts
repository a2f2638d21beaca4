import { assess, bottomThreeStreak, criticised, excellent, lastTied, monthBefore, parsePeriod, praised, sumTallies, type Formula, type Tally } from '../../src/modules/assessment/formulas';

const FORMULA: Formula = {
  satisfiedLevels: ['very_satisfied', 'satisfied', 'basically_satisfied'],
  replyOnTimeOnly: true,
  closureOnTimeOnly: true,
  closureDenominator: 'close_due',
  weights: { reply: 0.3, closure: 0.3, satisfaction: 0.4 },
  minOrders: 3,
  minCallbacks: 2,
};

const NONE = { very_satisfied: 0, satisfied: 0, basically_satisfied: 0, unsatisfied: 0, very_unsatisfied: 0 };
function tally(unitCode: string, t: Partial<Omit<Tally, 'levels'>> & { levels?: Partial<Tally['levels']> } = {}): Tally {
  return {
    unitCode,
    unitName: unitCode,
    replyDue: 0,
    replied: 0,
    repliedOnTime: 0,
    closeDue: 0,
    closed: 0,
    closedOnTime: 0,
    callbacksMade: 0,
    unreachable: 0,
    ...t,
    levels: { ...NONE, ...t.levels },
  };
}

describe('the monthly assessment formulas (domain.md §10)', () => {
  test('a hand-computed month: rates, the composite, unreachable callbacks counted apart', () => {
    // 10 replies due, 8 on time (one more late); 10 closings due, 7 on time; 6 callbacks: 1 unreachable, 5 reached of which 4 satisfied.
    const [a] = assess([tally('A', { replyDue: 10, replied: 9, repliedOnTime: 8, closeDue: 10, closed: 9, closedOnTime: 7, callbacksMade: 6, unreachable: 1, levels: { satisfied: 3, basically_satisfied: 1, unsatisfied: 1 } })], FORMULA);
    expect(a).toMatchObject({ replyRate: 0.8, closureRate: 0.7, successfulCallbacks: 5, satisfiedCallbacks: 4, satisfactionRate: 0.8, rank: 1 });
    expect(a.score).toBeCloseTo(100 * (0.3 * 0.8 + 0.3 * 0.7 + 0.4 * 0.8), 2);
  });

  test('the formulas are settings: counting every reply, and leaving basically satisfied out', () => {
    const t = tally('A', { replyDue: 10, replied: 9, repliedOnTime: 8, closeDue: 10, closed: 9, closedOnTime: 7, callbacksMade: 5, levels: { satisfied: 3, basically_satisfied: 1, unsatisfied: 1 } });
    const [a] = assess([t], { ...FORMULA, replyOnTimeOnly: false, closureOnTimeOnly: false, satisfiedLevels: ['very_satisfied', 'satisfied'] });
    expect(a).toMatchObject({ replyRate: 0.9, closureRate: 0.9, satisfactionRate: 0.6 });
    expect(assess([t], { ...FORMULA, closureDenominator: 'reply_due' })[0].closureRate).toBe(0.7);
  });

  test('weights of all zero count the three rates alike rather than ranking nobody', () => {
    const t = tally('A', { replyDue: 4, repliedOnTime: 4, closeDue: 4, closedOnTime: 2, callbacksMade: 4, levels: { satisfied: 3, unsatisfied: 1 } });
    expect(assess([t], { ...FORMULA, weights: { reply: 0, closure: 0, satisfaction: 0 } })[0]).toMatchObject({ rank: 1, score: 75 });
  });

  test('small samples and units without orders are listed but not ranked, and not praised', () => {
    const results = assess(
      [
        tally('BIG', { replyDue: 5, repliedOnTime: 4, closeDue: 5, closedOnTime: 4, callbacksMade: 4, levels: { satisfied: 3, unsatisfied: 1 } }),
        tally('ONE', { replyDue: 1, repliedOnTime: 1, closeDue: 1, closedOnTime: 1, callbacksMade: 1, levels: { very_satisfied: 1 } }),
        tally('FEWCALLS', { replyDue: 5, repliedOnTime: 5, closeDue: 5, closedOnTime: 5, callbacksMade: 2, unreachable: 1, levels: { satisfied: 1 } }),
        tally('EMPTY'),
      ],
      FORMULA,
    );
    expect(results.map((r) => [r.unitCode, r.rank, r.notRankedBecause])).toEqual([
      ['BIG', 1, null],
      ['EMPTY', null, 'no orders in the period'],
      ['FEWCALLS', null, 'fewer than 2 successful callbacks'],
      ['ONE', null, 'fewer than 3 orders due'],
    ]);
    expect(results.find((r) => r.unitCode === 'EMPTY')).toMatchObject({ replyRate: null, closureRate: null, satisfactionRate: null, score: null });
    expect(praised(results, FORMULA)).toEqual([]);
    expect(criticised(results)).toBeNull();
  });

  test('ties are broken by the stated rule: satisfaction, then reply rate, then callbacks; units equal on all share a rank (并列)', () => {
    const same = { replyDue: 4, repliedOnTime: 4, closeDue: 4, closedOnTime: 4 };
    const results = assess(
      [
        tally('C', { ...same, callbacksMade: 3, levels: { satisfied: 3 } }),
        tally('B', { ...same, callbacksMade: 5, levels: { satisfied: 5 } }),
        tally('A', { ...same, callbacksMade: 3, levels: { satisfied: 3 } }),
        tally('D', { ...same, repliedOnTime: 3, closedOnTime: 4, callbacksMade: 4, levels: { satisfied: 4 } }),
      ],
      FORMULA,
    );
    expect(results.map((r) => [r.unitCode, r.rank])).toEqual([
      ['B', 1],
      ['A', 2],
      ['C', 2],
      ['D', 4],
    ]);
    expect(results[0].score).toBe(results[2].score);
    expect(praised(results, FORMULA)).toEqual(['B', 'A', 'C', 'D']);
    expect(criticised(results)).toBe('D');
  });

  test('units tied at the bottom are not criticised one for the other: no 通报批评, both named as tied last', () => {
    const same = { replyDue: 4, repliedOnTime: 2, closeDue: 4, closedOnTime: 2, callbacksMade: 2, levels: { satisfied: 1, unsatisfied: 1 } };
    const results = assess([tally('A', { replyDue: 4, repliedOnTime: 4, closeDue: 4, closedOnTime: 4, callbacksMade: 2, levels: { satisfied: 2 } }), tally('B', same), tally('C', same)], FORMULA);
    expect(results.map((r) => r.rank)).toEqual([1, 2, 2]);
    expect(criticised(results)).toBeNull();
    expect(lastTied(results)).toEqual(['B', 'C']);
    expect(excellent(results, 2)).toEqual(['A', 'B', 'C']);
  });

  test('bottom three three months running, across a year boundary', () => {
    const month = (order: string[]) =>
      assess(
        order.map((code, i) => tally(code, { replyDue: 10, repliedOnTime: 10 - i, closeDue: 10, closedOnTime: 10, callbacksMade: 5, levels: { satisfied: 5 } })),
        FORMULA,
      );
    expect([monthBefore('2026-01', 2), monthBefore('2026-01', 1)]).toEqual(['2025-11', '2025-12']);
    const nov = month(['A', 'B', 'C', 'D', 'E', 'F']);
    const dec = month(['A', 'B', 'D', 'C', 'E', 'F']);
    const jan = month(['A', 'B', 'C', 'E', 'F', 'D']);
    expect(bottomThreeStreak([nov, dec, jan])).toEqual(['E', 'F']);
    expect(bottomThreeStreak([month(['D', 'A', 'B', 'C', 'E', 'F']), dec, jan])).toEqual(['E', 'F']);
    expect(bottomThreeStreak([dec])).toEqual(['C', 'E', 'F']);
  });

  test('a quarter sums its months; its excellent units are the top of its ranking', () => {
    const m1 = [tally('A', { replyDue: 3, repliedOnTime: 3, closeDue: 3, closedOnTime: 3, callbacksMade: 2, levels: { satisfied: 2 } }), tally('B', { replyDue: 1, repliedOnTime: 0 })];
    const m2 = [tally('A', { replyDue: 2, repliedOnTime: 1, closeDue: 2, closedOnTime: 2 }), tally('B', { replyDue: 3, repliedOnTime: 3, closeDue: 4, closedOnTime: 4, callbacksMade: 2, levels: { very_satisfied: 2 } })];
    const quarter = sumTallies([m1, m2]);
    expect(quarter.find((t) => t.unitCode === 'A')).toMatchObject({ replyDue: 5, repliedOnTime: 4, closeDue: 5, callbacksMade: 2 });
    const results = assess(quarter, FORMULA);
    // A: 0.3×0.8 + 0.3×1 + 0.4×1 = 94; B: 0.3×0.75 + 0.3×1 + 0.4×1 = 92.5.
    expect(results.map((r) => [r.unitCode, r.replyRate, r.score])).toEqual([
      ['A', 0.8, 94],
      ['B', 0.75, 92.5],
    ]);
    expect(excellent(results, 1)).toEqual(['A']);
  });

  test.each([
    ['2026-07', { kind: 'month', months: ['2026-07'] }],
    ['2026-Q3', { kind: 'quarter', months: ['2026-07', '2026-08', '2026-09'] }],
    ['2026', { kind: 'year', months: expect.arrayContaining(['2026-01', '2026-12']) }],
    ['2026-13', null],
    ['2026-Q5', null],
  ])('period %s', (value, expected) => {
    const period = parsePeriod(value);
    if (expected === null) expect(period).toBeNull();
    else expect(period).toMatchObject(expected);
  });
});
