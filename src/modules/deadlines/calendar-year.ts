import { addDays } from 'date-fns/addDays';
import { differenceInCalendarDays } from 'date-fns/differenceInCalendarDays';
import { format } from 'date-fns/format';
import { isWeekend } from 'date-fns/isWeekend';
import { parseISO } from 'date-fns/parseISO';
import { unprocessable } from '../../errors';
import type { CalendarStatus, CalendarYearStatus, YearNotice } from './calendar.schemas';
import { statutoryDays, STATUTORY_RULES_FROM, STATUTORY_RULES_TO } from './holidays';
import type { CalendarDay } from './working-time';

/*
 * A calendar year as a whole: whether this year and the next have their State Council notice,
 * and a notice entered in one piece. Pure: `today` is the bureau's date, given.
 */

/** Where a calendar day came from: the chinese-days package, an administrator, or the 办法 (provisional). */
export type CalendarSource = 'package' | 'admin' | 'statutory';

/** The years a deadline set today can reach: this one and the next (the notice for next year comes out each winter). */
export function yearsAhead(today: string): number[] {
  const year = Number(today.slice(0, 4));
  return [year, year + 1];
}

/**
 * Whether this year and the next have their State Council notice, from the calendar rows of
 * those years; a year with any provisional day left is provisional.
 */
export function calendarStatus(today: string, rows: { day: string; source: CalendarSource }[]): CalendarStatus {
  const years = yearsAhead(today).map((year): CalendarYearStatus => {
    const ofYear = rows.filter((r) => r.day.startsWith(`${year}-`));
    const provisional = ofYear.filter((r) => r.source === 'statutory').map((r) => r.day).sort();
    const next = provisional.find((d) => d >= today) ?? null;
    return {
      year,
      state: provisional.length > 0 ? 'provisional' : ofYear.length > 0 ? 'notice' : 'missing',
      provisionalDays: provisional.length,
      nextProvisionalDay: next,
      daysUntilProvisional: next === null ? null : differenceInCalendarDays(parseISO(next), parseISO(today)),
    };
  });
  const warnings = years.flatMap((y) => {
    const enter = `enter the notice with PUT /api/v1/calendar/years/${y.year}`;
    if (y.state === 'provisional') {
      const first = y.nextProvisionalDay ? `, the next on ${y.nextProvisionalDay} (in ${y.daysUntilProvisional} days)` : '';
      return [
        `${y.year}: no State Council notice; its ${y.provisionalDays} statutory holidays are provisional, derived from the 全国年节及纪念日放假办法 without make-up working days${first}; ${enter}`,
      ];
    }
    if (y.state === 'missing') return [`${y.year}: no holidays at all, every weekday counts as a working day; ${enter}`];
    return [];
  });
  return { today, years, warnings };
}

/**
 * A notice as calendar exceptions: its holidays that fall on weekdays and its make-up working
 * days. Refuses what cannot be a notice for the year, naming the date.
 */
export function noticeDays(year: number, notice: YearNotice): CalendarDay[] {
  const inYear = (date: string) => {
    if (!date.startsWith(`${year}-`)) throw unprocessable('date_outside_year', `${date} is not in ${year}: a notice covers its own year`, { date });
  };
  const holidays = new Map<string, string[]>();
  for (const h of notice.holidays) {
    inYear(h.from);
    inYear(h.to);
    if (h.from > h.to) throw unprocessable('holiday_range_reversed', `${h.name}: ${h.from} is after ${h.to}`, { from: h.from, to: h.to });
    for (let day = h.from; day <= h.to; day = shift(day, 1)) {
      const names = holidays.get(day) ?? [];
      if (!names.includes(h.name)) holidays.set(day, [...names, h.name]);
    }
  }
  const workdays = new Map<string, string>();
  for (const w of notice.workdays) {
    inYear(w.date);
    if (!isWeekend(parseISO(w.date))) throw unprocessable('workday_not_weekend', `${w.date} is a weekday: a make-up working day (调休) is a Saturday or Sunday`, { date: w.date });
    if (holidays.has(w.date)) throw unprocessable('calendar_day_conflict', `${w.date} is both a holiday and a make-up working day in the notice`, { date: w.date });
    workdays.set(w.date, w.name);
  }
  const days: CalendarDay[] = [
    ...[...holidays].filter(([date]) => !isWeekend(parseISO(date))).map(([date, names]) => ({ date, kind: 'holiday' as const, name: names.join('、') })),
    ...[...workdays].map(([date, name]) => ({ date, kind: 'workday' as const, name })),
  ];
  return days.sort((a, b) => a.date.localeCompare(b.date));
}

/** The statutory holidays (not their 补假, which the notice may place elsewhere) that a year's exceptions leave as working days. */
export function statutoryDaysWorked(year: number, days: CalendarDay[]): string[] {
  if (year < STATUTORY_RULES_FROM || year > STATUTORY_RULES_TO) return [];
  const kinds = new Map(days.map((d) => [d.date, d.kind]));
  const worked = (date: string) => kinds.get(date) === 'workday' || (!kinds.has(date) && !isWeekend(parseISO(date)));
  return [...new Set(statutoryDays(year).filter((d) => !d.compensatory && worked(d.date)).map((d) => d.date))];
}

/** The dates whose kind differs between two sets of exceptions: where working days change. */
export function changedDates(before: CalendarDay[], after: CalendarDay[]): string[] {
  const kindBefore = new Map(before.map((d) => [d.date, d.kind]));
  const kindAfter = new Map(after.map((d) => [d.date, d.kind]));
  return [...new Set([...kindBefore.keys(), ...kindAfter.keys()])].filter((date) => kindBefore.get(date) !== kindAfter.get(date)).sort();
}

const shift = (date: string, days: number) => format(addDays(parseISO(date), days), 'yyyy-MM-dd');
