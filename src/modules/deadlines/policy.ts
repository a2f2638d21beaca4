import { addClockMinutes, addWorkingDays, openingAfterWorkingDays, openingOfNextWorkingDay, workingDaysBetween, type WorkingCalendar } from './working-time';

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
  /** Overdue by this many working days: a director supervision slip is raised. */
  escalateAfterWorkingDays: number;
  /** The most an extension may add. */
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

/** The policy for an order: the one whose scope matches most specifically (category, then urgency, then request type). */
export function selectPolicy<P extends DeadlinePolicy>(policies: readonly P[], order: PolicyScope): P {
  let best: { policy: P; score: number } | null = null;
  for (const policy of policies) {
    if (policy.requestType !== null && policy.requestType !== order.requestType) continue;
    if (policy.urgency !== null && policy.urgency !== order.urgency) continue;
    if (policy.category !== null && policy.category !== order.category) continue;
    const score = (policy.category !== null ? 4 : 0) + (policy.urgency !== null ? 2 : 0) + (policy.requestType !== null ? 1 : 0);
    if (!best || score > best.score || (score === best.score && policy.name < best.policy.name)) best = { policy, score };
  }
  if (!best) throw new Error('no deadline policy applies: keep a catch-all policy (no request type, urgency or category)');
  return best.policy;
}

export function deadlineFor(calendar: WorkingCalendar, start: Date, limit: Limit): Date {
  return limit.kind === 'clock' ? addClockMinutes(start, limit.minutes) : addWorkingDays(calendar, start, limit.days, { startNextDay: limit.startNextDay });
}

/** When to warn: once `share` of the time from start to due is used. */
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

/** What is due for an open milestone at `now`: a warning, the overdue mark, an urge, an escalation. */
export interface MilestoneState {
  dueAt: Date;
  warnAt: Date;
  warnedAt: Date | null;
  overdueAt: Date | null;
  urgeCount: number;
  nextUrgeAt: Date | null;
}

export type DueWork =
  | { kind: 'warn' }
  | { kind: 'overdue'; firstUrgeAt: Date }
  | { kind: 'urge'; number: number; nextUrgeAt: Date | null; escalate: boolean; workingDaysLate: number };

export function dueWork(calendar: WorkingCalendar, rules: PolicyRules, m: MilestoneState, now: Date): DueWork | null {
  const t = now.getTime();
  if (m.overdueAt === null && t >= m.dueAt.getTime()) return { kind: 'overdue', firstUrgeAt: openingOfNextWorkingDay(calendar, m.dueAt) };
  if (m.warnedAt === null && m.overdueAt === null && t >= m.warnAt.getTime()) return { kind: 'warn' };
  if (m.nextUrgeAt !== null && t >= m.nextUrgeAt.getTime()) {
    const number = m.urgeCount + 1;
    const workingDaysLate = workingDaysBetween(calendar, m.dueAt, now);
    return {
      kind: 'urge',
      number,
      nextUrgeAt: number < rules.urge.maxUrges ? openingAfterWorkingDays(calendar, now, rules.urge.repeatWorkingDays) : null,
      escalate: workingDaysLate >= rules.escalateAfterWorkingDays,
      workingDaysLate,
    };
  }
  return null;
}
