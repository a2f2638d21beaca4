import { getDayDetail, getSolarDateFromLunar, getSolarTermDate } from 'chinese-days';
import { addDays } from 'date-fns/addDays';
import { eachDayOfInterval } from 'date-fns/eachDayOfInterval';
import { format } from 'date-fns/format';
import { isWeekend } from 'date-fns/isWeekend';
import { parseISO } from 'date-fns/parseISO';
import type { CalendarDay } from './working-time';

/**
 * Years probed for the package's data. Wider than any version will hold (1.5 covers
 * 2004–2026), so that an upgrade that adds a year needs no change here.
 */
const PROBED_YEARS = { from: 2000, to: 2100 } as const;

const byYear = new Map<number, CalendarDay[]>();

/**
 * The years whose State Council notice the chinese-days package holds: every notice makes
 * New Year's Day a holiday, so the package names 1 January of a year it covers and only
 * the weekday of one it does not.
 */
export function packageYears(): number[] {
  const years: number[] = [];
  for (let year = PROBED_YEARS.from; year <= PROBED_YEARS.to; year++) {
    const detail = getDayDetail(`${year}-01-01`) as { work: boolean; name: string };
    if (!detail.work && detail.name.includes(',')) years.push(year);
  }
  return years;
}

/**
 * The State Council's holidays and make-up working days of the years given, as the
 * chinese-days package holds them, as exceptions to the Monday–Friday week.
 * Next year's notice arrives each winter: administrators add it through the API, or a
 * package upgrade brings it and the next start-up seeds it.
 */
export function holidaysFromPackage(fromYear: number, toYear: number): CalendarDay[] {
  const days: CalendarDay[] = [];
  for (let year = fromYear; year <= toYear; year++) days.push(...yearFromPackage(year));
  return days;
}

function yearFromPackage(year: number): CalendarDay[] {
  const cached = byYear.get(year);
  if (cached) return cached;
  const days: CalendarDay[] = [];
  for (const day of eachDayOfInterval({ start: new Date(year, 0, 1), end: new Date(year, 11, 31) })) {
    const date = format(day, 'yyyy-MM-dd');
    const detail = getDayDetail(date) as { work: boolean; name: string };
    const weekend = isWeekend(day);
    if (weekend && detail.work) days.push({ date, kind: 'workday', name: chineseName(detail.name) });
    else if (!weekend && !detail.work) days.push({ date, kind: 'holiday', name: chineseName(detail.name) });
  }
  byYear.set(year, days);
  return days;
}

/** "Spring Festival,春节,4" → 春节 */
function chineseName(name: string): string {
  return name.split(',')[1] ?? name;
}

/**
 * The first year the 《全国年节及纪念日放假办法》 as amended in 2024 (国务院令第795号) governs:
 * Spring Festival 4 days from 除夕, Labour Day 2 days. Earlier years had other rules and all
 * have their notice in the package.
 */
export const STATUTORY_RULES_FROM = 2025;
/** The lunar tables of chinese-days end with 2100. */
export const STATUTORY_RULES_TO = 2100;

/** A statutory holiday (全体公民放假的节日) or its 补假. */
export interface StatutoryDay {
  /** YYYY-MM-DD */
  date: string;
  /** As the State Council's notices name it: 元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆节. */
  name: string;
  /** 补假: a weekday off given for a statutory day that fell on a Saturday or Sunday (办法, art. 6). */
  compensatory: boolean;
}

/**
 * The statutory holidays of a year under the 办法 (art. 2 and 6), with their 补假, in date
 * order: what the year's notice cannot take away, before the State Council publishes it.
 * Lunar festivals and Qingming come from chinese-days' lunar tables and solar terms.
 * The notice adds bridge days and the make-up working days (调休) that pay for them; those
 * are the State Council's choice each year and are not guessed here.
 * A 补假 is the first weekday after its festival that is not already a day off. Two festivals
 * on one date are both listed.
 */
export function statutoryDays(year: number): StatutoryDay[] {
  if (!Number.isInteger(year) || year < STATUTORY_RULES_FROM || year > STATUTORY_RULES_TO) {
    throw new RangeError(`statutory holidays are derived for ${STATUTORY_RULES_FROM}–${STATUTORY_RULES_TO}, not ${year}`);
  }
  const lunar = (month: number, day: number) => getSolarDateFromLunar(`${year}-${pad(month)}-${pad(day)}`).date;
  const newYear = lunar(1, 1);
  const festivals: { name: string; dates: string[] }[] = [
    { name: '元旦', dates: [`${year}-01-01`] },
    // 除夕 is the last day of the twelfth month, 29th or 30th: the eve of 正月初一.
    { name: '春节', dates: [-1, 0, 1, 2].map((n) => shift(newYear, n)) },
    { name: '清明', dates: [getSolarTermDate(year, 4, 'pure_brightness')] },
    { name: '劳动节', dates: [`${year}-05-01`, `${year}-05-02`] },
    // The regular fifth and eighth months: a leap month of the same number has no festival.
    { name: '端午', dates: [lunar(5, 5)] },
    { name: '中秋', dates: [lunar(8, 15)] },
    { name: '国庆节', dates: [`${year}-10-01`, `${year}-10-02`, `${year}-10-03`] },
  ];
  const off = new Set(festivals.flatMap((f) => f.dates));
  const days: StatutoryDay[] = [];
  const earlier = new Set<string>();
  for (const f of [...festivals].sort((a, b) => a.dates[0].localeCompare(b.dates[0]))) {
    // A day owed: one on a weekend (art. 6), or one another festival already holds (中秋 on 国庆节, as in 2020).
    let owed = 0;
    for (const date of f.dates) {
      if (onWeekend(date) || earlier.has(date)) owed++;
      days.push({ date, name: f.name, compensatory: false });
    }
    f.dates.forEach((date) => earlier.add(date));
    let day = f.dates[f.dates.length - 1];
    for (; owed > 0; owed--) {
      do day = shift(day, 1);
      while (onWeekend(day) || off.has(day));
      off.add(day);
      days.push({ date: day, name: f.name, compensatory: true });
    }
  }
  return days.sort((a, b) => a.date.localeCompare(b.date));
}

/**
 * A year's provisional calendar: its statutory days and 补假 that fall on weekdays, as
 * holidays. No make-up working day: none exists until the notice says so.
 */
export function provisionalHolidays(year: number): CalendarDay[] {
  const names = new Map<string, string[]>();
  for (const d of statutoryDays(year)) {
    if (onWeekend(d.date)) continue;
    names.set(d.date, [...(names.get(d.date) ?? []), d.compensatory ? `${d.name}(补假)` : d.name]);
  }
  return [...names].map(([date, list]) => ({ date, kind: 'holiday' as const, name: list.join('、') }));
}

const pad = (n: number) => String(n).padStart(2, '0');
const shift = (date: string, days: number) => format(addDays(parseISO(date), days), 'yyyy-MM-dd');
const onWeekend = (date: string) => isWeekend(parseISO(date));
