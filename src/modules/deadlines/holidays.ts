import { getDayDetail } from 'chinese-days';
import { eachDayOfInterval, format, isWeekend } from 'date-fns';
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
