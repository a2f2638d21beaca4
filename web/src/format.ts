/** Dates in the bureau's zone (Asia/Shanghai) and Chinese form, whatever the browser's zone. */
const ZONE = 'Asia/Shanghai';
const dateTime = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const dateOnly = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

export const fmtTime = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)).replace(/\//g, '-') : '—');
export const fmtDate = (iso: string | null | undefined) => (iso ? dateOnly.format(new Date(iso)).replace(/\//g, '-') : '—');

/** "3天2小时", "45分钟": a span of clock time, for ages and time left. */
export function span(ms: number): string {
  const minutes = Math.max(0, Math.round(Math.abs(ms) / 60000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days}天${hours ? `${hours}小时` : ''}`;
  if (hours > 0) return `${hours}小时${mins ? `${mins}分钟` : ''}`;
  return `${mins}分钟`;
}

/** "剩余 1天3小时" or "已超期 2小时". */
export function timeLeft(dueAt: string, now = Date.now()): { text: string; overdue: boolean } {
  const ms = new Date(dueAt).getTime() - now;
  return ms >= 0 ? { text: `剩余 ${span(ms)}`, overdue: false } : { text: `已超期 ${span(ms)}`, overdue: true };
}

/**
 * "剩余 2个工作日3小时" or "已超期 1小时（工作时间）": the time left the server counted on the
 * deadline's own clock, working days of the holiday calendar or every minute for emergency limits.
 */
export function timeLeftOf(left: { clock: 'working' | 'clock'; minutes: number; dayMinutes: number }): { text: string; overdue: boolean } {
  const overdue = left.minutes < 0;
  const minutes = Math.abs(left.minutes);
  let text: string;
  if (left.clock === 'clock') text = span(minutes * 60000);
  else {
    const days = Math.floor(minutes / left.dayMinutes);
    const rest = minutes % left.dayMinutes;
    const hours = Math.floor(rest / 60);
    const mins = rest % 60;
    text = [days ? `${days}个工作日` : '', hours ? `${hours}小时` : '', mins && !days ? `${mins}分钟` : ''].join('') || '0分钟';
    if (!days) text += '（工作时间）';
  }
  return { text: `${overdue ? '已超期' : '剩余'} ${text}`, overdue };
}

export const percent = (x: number) => `${Math.round(x * 100)}%`;
/** A share to a tenth of a percent, "—" when there is none (no decision to count). */
export const percent1 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

/** The month before `now` as YYYY-MM, in the bureau's zone. */
export function lastMonth(now = new Date()): string {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit' }).format(now).split('-').map(Number);
  const year = m === 1 ? y - 1 : y;
  const month = m === 1 ? 12 : m - 1;
  return `${year}-${String(month).padStart(2, '0')}`;
}

/** YYYY-MM twelve months before the given one, inclusive span of twelve. */
export function twelveMonthsEnding(month: string): string {
  const [y, m] = month.split('-').map(Number);
  const total = y * 12 + (m - 1) - 11;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}
