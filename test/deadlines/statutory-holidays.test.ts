import { getDayDetail } from 'chinese-days';
import { packageYears, provisionalHolidays, statutoryDays } from '../../src/modules/deadlines/holidays';

/** What the package's official data (the State Council's notice) says of a day. */
const official = (date: string) => {
  const detail = getDayDetail(date) as { work: boolean; name: string };
  return { work: detail.work, name: detail.name.split(',')[1] ?? detail.name };
};
const dates = (year: number, name: string, compensatory = false) => statutoryDays(year).filter((d) => d.name === name && d.compensatory === compensatory).map((d) => d.date);

describe('statutory holidays derived from the 全国年节及纪念日放假办法 (2024 amendment)', () => {
  test.each([2025, 2026])('%i: every derived statutory day and 补假 is a day off in the State Council notice, under the same festival', (year) => {
    expect(packageYears()).toContain(year);
    const days = statutoryDays(year);
    // 13 statutory days: 1 + 4 + 1 + 2 + 1 + 1 + 3.
    expect(days.filter((d) => !d.compensatory)).toHaveLength(13);
    for (const d of days) expect({ date: d.date, ...official(d.date) }).toEqual({ date: d.date, work: false, name: d.name });
  });

  test('2025: Spring Festival from 除夕 (Jan 28) to 初三; the Dragon Boat Festival on a Saturday gives Monday June 2 as 补假', () => {
    expect(dates(2025, '春节')).toEqual(['2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31']);
    expect(dates(2025, '端午')).toEqual(['2025-05-31']);
    expect(dates(2025, '端午', true)).toEqual(['2025-06-02']);
    expect(dates(2025, '中秋')).toEqual(['2025-10-06']);
    expect(dates(2025, '清明')).toEqual(['2025-04-04']);
  });

  test('2026: Qingming on Sunday April 5 gives Monday April 6; National Day\'s Saturday gives Monday October 5', () => {
    expect(dates(2026, '春节')).toEqual(['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19']);
    expect(dates(2026, '清明')).toEqual(['2026-04-05']);
    expect(dates(2026, '清明', true)).toEqual(['2026-04-06']);
    expect(dates(2026, '劳动节', true)).toEqual(['2026-05-04']);
    expect(dates(2026, '国庆节', true)).toEqual(['2026-10-05']);
  });

  test('2027, which the package does not cover: 除夕 Feb 5, 初一 Feb 6, Qingming Apr 5, 端午 Jun 9, 中秋 Sep 15', () => {
    expect(packageYears()).not.toContain(2027);
    expect(dates(2027, '元旦')).toEqual(['2027-01-01']);
    expect(dates(2027, '春节')).toEqual(['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08']);
    expect(dates(2027, '春节', true)).toEqual(['2027-02-09', '2027-02-10']);
    expect(dates(2027, '清明')).toEqual(['2027-04-05']);
    expect(dates(2027, '劳动节', true)).toEqual(['2027-05-03', '2027-05-04']);
    expect(dates(2027, '端午')).toEqual(['2027-06-09']);
    expect(dates(2027, '中秋')).toEqual(['2027-09-15']);
    expect(dates(2027, '国庆节', true)).toEqual(['2027-10-04', '2027-10-05']);
  });

  test('2027 provisional calendar: weekday holidays only, no make-up working day', () => {
    const days = provisionalHolidays(2027);
    expect(days.every((d) => d.kind === 'holiday')).toBe(true);
    expect(days.map((d) => d.date)).toEqual([
      '2027-01-01',
      '2027-02-05',
      '2027-02-08',
      '2027-02-09',
      '2027-02-10',
      '2027-04-05',
      '2027-05-03',
      '2027-05-04',
      '2027-06-09',
      '2027-09-15',
      '2027-10-01',
      '2027-10-04',
      '2027-10-05',
    ]);
    expect(days).toContainEqual({ date: '2027-02-09', kind: 'holiday', name: '春节(补假)' });
  });

  test('2028: the Dragon Boat Festival in the regular fifth month, not the leap one; New Year on a Saturday gives Monday Jan 3; 中秋 on 国庆节 gives a day more', () => {
    expect(dates(2028, '春节')).toEqual(['2028-01-25', '2028-01-26', '2028-01-27', '2028-01-28']);
    expect(dates(2028, '端午')).toEqual(['2028-05-28']);
    expect(dates(2028, '元旦', true)).toEqual(['2028-01-03']);
    // 中秋 on National Day's third day owes a day, as in 2020; National Day's Sunday owes one too.
    expect(dates(2028, '中秋')).toEqual(['2028-10-03']);
    expect(dates(2028, '国庆节', true)).toEqual(['2028-10-04']);
    expect(dates(2028, '中秋', true)).toEqual(['2028-10-05']);
    expect(provisionalHolidays(2028)).toContainEqual({ date: '2028-10-03', kind: 'holiday', name: '国庆节、中秋' });
    const all = provisionalHolidays(2028).map((d) => d.date);
    expect(new Set(all).size).toBe(all.length);
  });

  test('years the 2024 rules do not govern, or the lunar tables do not cover, are refused', () => {
    expect(() => statutoryDays(2024)).toThrow(RangeError);
    expect(() => statutoryDays(2101)).toThrow(RangeError);
    expect(() => statutoryDays(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
