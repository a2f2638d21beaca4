import { addClockMinutes, addWorkingDays, openingAfterWorkingDays, openingOfNextWorkingDay, workingDayMinutes, workingDaysBetween, workingMinutesBetween, type WorkingCalendar } from './working-time';

/** A time limit: N working days (ending at close of business) or a clock limit that ignores the calendar. */
export type Limit = { kind: 'working_days'; days: number; startNextDay: boolean } | { kind: 'clock'; minutes: number };

export const MILESTONES = ['sign', 'reply', 'close'] as const;
export type Milestone = (typeof MILESTONES)[number];

/** The rules of one deadline policy (domain.md §7). */
export interface PolicyRules {
  sign: Limit;
  /** How long after dispatch the unit may still return the order (退单). */
  returnWindow: Limit;
  reply: Limit;
  close: Limit;
  /** Warn when this share of the time is used (0.8: at 80 %). */
  warnAtShare: number;
  /** The first urge comes the working day after expiry; then again every `repeatWorkingDays`, at most `maxUrges` in all. */
  urge: { repeatWorkingDays: number; maxUrges: number };
  /** Overdue by this many working days: a director supervision slip is raised, once, whatever the urges. */
  escalateAfterWorkingDays: number;
  /** The most extensions may add to a deadline in all, in working days. */
  maxExtensionWorkingDays: number;
}

export interface PolicyScope {
  requestType: string | null;
  urgency: string | null;
  category: string | null;
}

export interface DeadlinePolicy extends PolicyScope {
  id: string | null;
  name: string;
  rules: PolicyRules;
}

const wd = (days: number, startNextDay = true): Limit => ({ kind: 'working_days', days, startNextDay });
const base: PolicyRules = {
  sign: wd(1),
  returnWindow: wd(1),
  reply: wd(5),
  close: wd(5),
  warnAtShare: 0.8,
  urge: { repeatWorkingDays: 5, maxUrges: 3 },
  escalateAfterWorkingDays: 5,
  maxExtensionWorkingDays: 10,
};

/** The defaults of domain.md §7 (Tianjin 2024, Shandong, Shanghai); administrators change them through the API. */
export const DEFAULT_POLICIES: DeadlinePolicy[] = [
  { id: null, name: '默认', requestType: null, urgency: null, category: null, rules: base },
  { id: null, name: '咨询', requestType: 'consultation', urgency: null, category: null, rules: { ...base, reply: wd(1), close: wd(1) } },
  { id: null, name: '紧急', requestType: null, urgency: 'urgent', category: null, rules: { ...base, sign: { kind: 'clock', minutes: 120 }, reply: wd(2), close: wd(3) } },
  { id: null, name: '特急', requestType: null, urgency: 'critical', category: null, rules: { ...base, sign: { kind: 'clock', minutes: 15 }, reply: wd(1, false), close: wd(2) } },
  { id: null, name: '停电停水停气', requestType: null, urgency: null, category: '停电停水停气', rules: { ...base, sign: { kind: 'clock', minutes: 30 } } },
  { id: null, name: '疑难复杂', requestType: null, urgency: null, category: '疑难复杂', rules: { ...base, returnWindow: wd(2), close: wd(15) } },
];

/** The catch-all policy names no request type, urgency or category: it applies to any order no other policy takes. */
export function isCatchAll(scope: PolicyScope): boolean {
  return scope.requestType === null && scope.urgency === null && scope.category === null;
}

/**
 * The policy for an order: the one whose scope matches most specifically (category, then
 * urgency, then request type); null when none does (no active catch-all policy).
 */
export function selectPolicy<P extends DeadlinePolicy>(policies: readonly P[], order: PolicyScope): P | null {
  let best: { policy: P; score: number } | null = null;
  for (const policy of policies) {
    if (policy.requestType !== null && policy.requestType !== order.requestType) continue;
    if (policy.urgency !== null && policy.urgency !== order.urgency) continue;
    if (policy.category !== null && policy.category !== order.category) continue;
    const score = (policy.category !== null ? 4 : 0) + (policy.urgency !== null ? 2 : 0) + (policy.requestType !== null ? 1 : 0);
    if (!best || score > best.score || (score === best.score && policy.name < best.policy.name)) best = { policy, score };
  }
  return best?.policy ?? null;
}

export function deadlineFor(calendar: WorkingCalendar, start: Date, limit: Limit): Date {
  return limit.kind === 'clock' ? addClockMinutes(start, limit.minutes) : addWorkingDays(calendar, start, limit.days, { startNextDay: limit.startNextDay });
}

/** When to warn: once `share` of the time from start to due is used. */
/**
 * An open deadline's time left on the clock its limit counts: business hours of working days
 * for a working-day limit, every minute for a clock limit. Negative once past the deadline.
 */
export function timeLeft(calendar: WorkingCalendar, limit: Limit, due: Date, now: Date): { clock: 'working' | 'clock'; minutes: number; dayMinutes: number } {
  if (limit.kind === 'clock') return { clock: 'clock', minutes: Math.trunc((due.getTime() - now.getTime()) / 60_000), dayMinutes: 1440 };
  return { clock: 'working', minutes: workingMinutesBetween(calendar, now, due), dayMinutes: workingDayMinutes(calendar) };
}

export function warningFor(start: Date, due: Date, share: number): Date {
  return new Date(start.getTime() + Math.round((due.getTime() - start.getTime()) * share));
}

export interface PlannedMilestone {
  milestone: Milestone;
  startsAt: Date;
  dueAt: Date;
  warnAt: Date;
  limit: Limit;
}

/** The milestones a dispatch (or a redo) opens: sign, reply and close, each with its deadline and warning. */
export function planMilestones(calendar: WorkingCalendar, rules: PolicyRules, start: Date, which: readonly Milestone[] = MILESTONES): PlannedMilestone[] {
  return which.map((milestone) => {
    const limit = rules[milestone];
    const dueAt = deadlineFor(calendar, start, limit);
    return { milestone, startsAt: start, dueAt, warnAt: warningFor(start, dueAt, rules.warnAtShare), limit };
  });
}

/** An approved extension moves the deadline by N working days from the current one. */
export function extendDeadline(calendar: WorkingCalendar, due: Date, workingDays: number): Date {
  return addWorkingDays(calendar, due, workingDays, { startNextDay: true });
}

/**
 * When an overdue milestone is escalated: at close of business of the working day that
 * makes it `escalateAfterWorkingDays` working days late (as `workingDaysBetween` counts them).
 */
export function escalationAt(calendar: WorkingCalendar, rules: PolicyRules, dueAt: Date): Date {
  return addWorkingDays(calendar, dueAt, rules.escalateAfterWorkingDays, { startNextDay: false });
}

/**
 * When the next urge of an overdue milestone is due: the first the working day after expiry,
 * each further one `repeatWorkingDays` after the last (at opening time); null once all are sent.
 */
export function nextUrgeAt(calendar: WorkingCalendar, rules: PolicyRules, m: { dueAt: Date; urgeCount: number; lastUrgeAt: Date | null }): Date | null {
  if (m.urgeCount === 0) return openingOfNextWorkingDay(calendar, m.dueAt);
  if (m.urgeCount >= rules.urge.maxUrges || m.lastUrgeAt === null) return null;
  return openingAfterWorkingDays(calendar, m.lastUrgeAt, rules.urge.repeatWorkingDays);
}

/** What is due for an open milestone at `now`: a warning, the overdue mark, an urge, an escalation. */
export interface MilestoneState {
  dueAt: Date;
  warnAt: Date;
  warnedAt: Date | null;
  overdueAt: Date | null;
  urgeCount: number;
  nextUrgeAt: Date | null;
  escalatedAt: Date | null;
}

export type DueWork =
  | { kind: 'warn' }
  | { kind: 'overdue'; firstUrgeAt: Date }
  | { kind: 'urge'; number: number; nextUrgeAt: Date | null; workingDaysLate: number }
  | { kind: 'escalate'; workingDaysLate: number };

export function dueWork(calendar: WorkingCalendar, rules: PolicyRules, m: MilestoneState, now: Date): DueWork | null {
  const t = now.getTime();
  if (m.overdueAt === null && t >= m.dueAt.getTime()) return { kind: 'overdue', firstUrgeAt: openingOfNextWorkingDay(calendar, m.dueAt) };
  if (m.warnedAt === null && m.overdueAt === null && t >= m.warnAt.getTime()) return { kind: 'warn' };
  if (m.nextUrgeAt !== null && t >= m.nextUrgeAt.getTime()) {
    const number = m.urgeCount + 1;
    return { kind: 'urge', number, nextUrgeAt: nextUrgeAt(calendar, rules, { dueAt: m.dueAt, urgeCount: number, lastUrgeAt: now }), workingDaysLate: workingDaysBetween(calendar, m.dueAt, now) };
  }
  if (m.overdueAt !== null && m.escalatedAt === null && t >= escalationAt(calendar, rules, m.dueAt).getTime()) {
    return { kind: 'escalate', workingDaysLate: workingDaysBetween(calendar, m.dueAt, now) };
  }
  return null;
}

export type CheckKind = 'warn' | 'due' | 'urge' | 'escalate';

/** When an open milestone must be checked next, and for what; null when nothing more can come due. */
export function nextCheck(calendar: WorkingCalendar, rules: PolicyRules, m: MilestoneState): { at: Date; what: CheckKind } | null {
  const candidates: { at: Date; what: CheckKind }[] = [];
  if (m.warnedAt === null && m.overdueAt === null) candidates.push({ at: m.warnAt, what: 'warn' });
  if (m.overdueAt === null) candidates.push({ at: m.dueAt, what: 'due' });
  if (m.nextUrgeAt !== null) candidates.push({ at: m.nextUrgeAt, what: 'urge' });
  if (m.overdueAt !== null && m.escalatedAt === null) candidates.push({ at: escalationAt(calendar, rules, m.dueAt), what: 'escalate' });
  return candidates.sort((a, b) => a.at.getTime() - b.at.getTime())[0] ?? null;
}
