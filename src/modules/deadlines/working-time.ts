import { TZDate } from '@date-fns/tz';
import { addDays } from 'date-fns/addDays';
import { format } from 'date-fns/format';
import { isWeekend } from 'date-fns/isWeekend';
import { parseISO } from 'date-fns/parseISO';
import { unprocessable } from '../../errors';

/**
 * Working-day arithmetic on the bureau's calendar (domain.md §7). Pure: every function
 * takes the calendar and the instants it needs; none reads the clock.
 */

/**
 * Every loop here walks calendar days, so each is bounded whatever its input: no number
 * from a request or a setting can hold the event loop.
 */
/** The longest span counted in working days (about a year and a half); deadlines use 60 at most. */
export const MAX_SPAN_WORKING_DAYS = 366;
/** Consecutive days without a working day after which the calendar is taken to be wrong. */
export const MAX_DAYS_WITHOUT_WORK = 366;
/** How far back `workingDaysBetween` looks, in calendar days (about ten years); beyond, the count stays at what it found. */
export const MAX_SCAN_CALENDAR_DAYS = 3_660;

function assertSpan(days: number): void {
  if (!Number.isInteger(days) || days < 0 || days > MAX_SPAN_WORKING_DAYS) {
    throw unprocessable('working_days_out_of_range', `a span of working days must be a whole number from 0 to ${MAX_SPAN_WORKING_DAYS}`);
  }
}

/** A day that differs from the Monday–Friday week: a holiday on a weekday, or a make-up working day (调休) at a weekend. */
export interface CalendarDay {
  /** YYYY-MM-DD in the bureau's time zone. */
  date: string;
  kind: 'holiday' | 'workday';
  name: string;
}

export interface WorkingHours {
  /** HH:mm, when the working day opens and closes, in the bureau's time zone. */
  open: string;
  close: string;
}

export class WorkingCalendar {
  private readonly exceptions: Map<string, CalendarDay['kind']>;

  constructor(
    days: Iterable<CalendarDay>,
    readonly timeZone = 'Asia/Shanghai',
    readonly hours: WorkingHours = { open: '08:30', close: '17:30' },
  ) {
    this.exceptions = new Map([...days].map((d) => [d.date, d.kind]));
  }

  /** The bureau's date (YYYY-MM-DD) of an instant. */
  dateOf(instant: Date): string {
    return format(new TZDate(instant, this.timeZone), 'yyyy-MM-dd');
  }

  isWorkingDay(date: string): boolean {
    const exception = this.exceptions.get(date);
    if (exception) return exception === 'workday';
    return !isWeekend(parseISO(date));
  }

  /** The instant a date's working day opens or closes. */
  at(date: string, time: string): Date {
    const [y, m, d] = date.split('-').map(Number);
    const [hh, mm] = time.split(':').map(Number);
    return new Date(new TZDate(y, m - 1, d, hh, mm, 0, this.timeZone).getTime());
  }

  /** The first working day after `date`. */
  nextWorkingDay(date: string): string {
    let day = date;
    for (let n = 0; n < MAX_DAYS_WITHOUT_WORK; n++) {
      day = shiftDate(day, 1);
      if (this.isWorkingDay(day)) return day;
    }
    throw unprocessable('calendar_without_working_days', `the calendar has no working day in the ${MAX_DAYS_WITHOUT_WORK} days after ${date}; check the holiday calendar`);
  }
}

function shiftDate(date: string, days: number): string {
  return format(addDays(parseISO(date), days), 'yyyy-MM-dd');
}

/**
 * N working days from `start`, ending at close of business of the N-th working day.
 * With `startNextDay` counting begins on the day after `start` (自受理次日起计算);
 * otherwise the start's own day counts when it is a working day and business has not closed.
 */
export function addWorkingDays(calendar: WorkingCalendar, start: Date, days: number, options: { startNextDay: boolean }): Date {
  assertSpan(days);
  const startDate = calendar.dateOf(start);
  const counts =
    !options.startNextDay && calendar.isWorkingDay(startDate) && start.getTime() < calendar.at(startDate, calendar.hours.close).getTime();
  let day = counts ? startDate : calendar.nextWorkingDay(startDate);
  for (let n = 1; n < days; n++) day = calendar.nextWorkingDay(day);
  return calendar.at(day, calendar.hours.close);
}

/** Clock limits (minutes, hours) ignore the calendar: emergencies count every minute. */
export function addClockMinutes(start: Date, minutes: number): Date {
  return new Date(start.getTime() + minutes * 60_000);
}

/** Working days whose close of business falls after `from` and not after `to`: how many working days late. */
export function workingDaysBetween(calendar: WorkingCalendar, from: Date, to: Date): number {
  if (to.getTime() <= from.getTime()) return 0;
  let count = 0;
  const last = calendar.dateOf(to);
  const earliest = shiftDate(last, -MAX_SCAN_CALENDAR_DAYS);
  let day = calendar.dateOf(from);
  if (day < earliest) day = earliest;
  while (day <= last) {
    const close = calendar.at(day, calendar.hours.close).getTime();
    if (calendar.isWorkingDay(day) && close > from.getTime() && close <= to.getTime()) count++;
    day = shiftDate(day, 1);
  }
  return count;
}

/** When the working day after `due`'s day opens: the first urge (催办) is sent then. */
export function openingOfNextWorkingDay(calendar: WorkingCalendar, due: Date): Date {
  return calendar.at(calendar.nextWorkingDay(calendar.dateOf(due)), calendar.hours.open);
}

/** `days` working days after `from`'s day, at opening time: when an urge is repeated. */
export function openingAfterWorkingDays(calendar: WorkingCalendar, from: Date, days: number): Date {
  assertSpan(days);
  let day = calendar.dateOf(from);
  for (let n = 0; n < days; n++) day = calendar.nextWorkingDay(day);
  return calendar.at(day, calendar.hours.open);
}

/** Minutes of a working day: from opening to close of business. */
export function workingDayMinutes(calendar: WorkingCalendar): number {
  const [oh, om] = calendar.hours.open.split(':').map(Number);
  const [ch, cm] = calendar.hours.close.split(':').map(Number);
  return ch * 60 + cm - (oh * 60 + om);
}

/**
 * Working minutes (business hours of working days) from `from` to `to`; negative when `to`
 * comes first. What a working-day deadline has left: the calendar's holidays and make-up days
 * (调休) count, nights and weekends do not. Scans at most MAX_SCAN_CALENDAR_DAYS days.
 */
export function workingMinutesBetween(calendar: WorkingCalendar, from: Date, to: Date): number {
  if (to.getTime() < from.getTime()) return -workingMinutesBetween(calendar, to, from);
  const last = calendar.dateOf(to);
  let day = calendar.dateOf(from);
  const earliest = shiftDate(last, -MAX_SCAN_CALENDAR_DAYS);
  if (day < earliest) day = earliest;
  let ms = 0;
  while (day <= last) {
    if (calendar.isWorkingDay(day)) {
      const open = Math.max(calendar.at(day, calendar.hours.open).getTime(), from.getTime());
      const close = Math.min(calendar.at(day, calendar.hours.close).getTime(), to.getTime());
      if (close > open) ms += close - open;
    }
    day = shiftDate(day, 1);
  }
  return Math.floor(ms / 60_000);
}
