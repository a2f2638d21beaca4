import { getDayDetail } from 'chinese-days';
import { eachDayOfInterval, format, isWeekend } from 'date-fns';
import type { CalendarDay } from './working-time';

/**
 * The State Council's holidays and make-up working days for the years the chinese-days
 * package covers (2004–2026 in version 1.5), as exceptions to the Monday–Friday week.
 * Next year's notice arrives each winter: administrators add it through the API.
 */
export function holidaysFromPackage(fromYear: number, toYear: number): CalendarDay[] {
  const days: CalendarDay[] = [];
  for (const day of eachDayOfInterval({ start: new Date(fromYear, 0, 1), end: new Date(toYear, 11, 31) })) {
    const date = format(day, 'yyyy-MM-dd');
    const detail = getDayDetail(date) as { work: boolean; name: string };
    const weekend = isWeekend(day);
    if (weekend && detail.work) days.push({ date, kind: 'workday', name: chineseName(detail.name) });
    else if (!weekend && !detail.work) days.push({ date, kind: 'holiday', name: chineseName(detail.name) });
  }
  return days;
}

/** "Spring Festival,春节,4" → 春节 */
function chineseName(name: string): string {
  return name.split(',')[1] ?? name;
}
