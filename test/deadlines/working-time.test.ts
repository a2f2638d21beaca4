import { holidaysFromPackage } from '../../src/modules/deadlines/holidays';
import { DEFAULT_POLICIES, deadlineFor, dueWork, extendDeadline, planMilestones, selectPolicy, type PolicyRules } from '../../src/modules/deadlines/policy';
import { addClockMinutes, addWorkingDays, workingDaysBetween, WorkingCalendar } from '../../src/modules/deadlines/working-time';

const calendar = new WorkingCalendar(holidaysFromPackage(2024, 2026));
/** An instant written in Beijing time. */
const bj = (local: string) => new Date(`${local}+08:00`);
const nextDay = { startNextDay: true };

describe('the State Council calendar as the package holds it', () => {
  test('2025 Spring Festival: Jan 28 – Feb 4 off, Sunday Jan 26 and Saturday Feb 8 worked', () => {
    for (const d of ['2025-01-28', '2025-01-29', '2025-01-31', '2025-02-03', '2025-02-04']) expect(calendar.isWorkingDay(d)).toBe(false);
    expect(calendar.isWorkingDay('2025-01-26')).toBe(true);
    expect(calendar.isWorkingDay('2025-02-08')).toBe(true);
    expect(calendar.isWorkingDay('2025-02-05')).toBe(true);
  });

  test('2025 National Day and Mid-Autumn: Oct 1 – 8 off, Sunday Sep 28 and Saturday Oct 11 worked', () => {
    for (const d of ['2025-10-01', '2025-10-06', '2025-10-08']) expect(calendar.isWorkingDay(d)).toBe(false);
    expect(calendar.isWorkingDay('2025-09-28')).toBe(true);
    expect(calendar.isWorkingDay('2025-10-11')).toBe(true);
  });

  test('2024 National Day: Oct 1 – 7 off, Sunday Sep 29 and Saturday Oct 12 worked', () => {
    expect(calendar.isWorkingDay('2024-10-07')).toBe(false);
    expect(calendar.isWorkingDay('2024-09-29')).toBe(true);
    expect(calendar.isWorkingDay('2024-10-12')).toBe(true);
  });

  test('an ordinary weekend is off and an ordinary weekday worked', () => {
    expect(calendar.isWorkingDay('2026-11-21')).toBe(false);
    expect(calendar.isWorkingDay('2026-11-24')).toBe(true);
  });
});

describe('working days', () => {
  test('a deadline crossing the Spring Festival skips the whole holiday', () => {
    expect(addWorkingDays(calendar, bj('2025-01-27T10:00:00'), 1, nextDay)).toEqual(bj('2025-02-05T17:30:00'));
  });

  test('a make-up Sunday counts as a working day', () => {
    expect(addWorkingDays(calendar, bj('2025-01-24T10:00:00'), 1, nextDay)).toEqual(bj('2025-01-26T17:30:00'));
  });

  test('five working days across National Day include the make-up Saturday', () => {
    expect(addWorkingDays(calendar, bj('2025-09-30T10:00:00'), 5, nextDay)).toEqual(bj('2025-10-14T17:30:00'));
  });

  test('counting from the day itself: before close of business the day counts, after it the next does', () => {
    expect(addWorkingDays(calendar, bj('2026-11-24T16:00:00'), 1, { startNextDay: false })).toEqual(bj('2026-11-24T17:30:00'));
    expect(addWorkingDays(calendar, bj('2026-11-24T18:00:00'), 1, { startNextDay: false })).toEqual(bj('2026-11-25T17:30:00'));
    expect(addWorkingDays(calendar, bj('2026-11-24T16:00:00'), 1, nextDay)).toEqual(bj('2026-11-25T17:30:00'));
  });

  test('an order received on Saturday night counts from Monday', () => {
    expect(addWorkingDays(calendar, bj('2026-11-21T23:00:00'), 1, { startNextDay: false })).toEqual(bj('2026-11-23T17:30:00'));
  });

  test('a clock limit at night ignores the calendar: 23:50 + 15 minutes is 00:05', () => {
    expect(addClockMinutes(bj('2025-01-28T23:50:00'), 15)).toEqual(bj('2025-01-29T00:05:00'));
    expect(deadlineFor(calendar, bj('2025-01-28T23:50:00'), { kind: 'clock', minutes: 15 })).toEqual(bj('2025-01-29T00:05:00'));
  });

  test('working days late count closes of business passed, holidays excluded', () => {
    expect(workingDaysBetween(calendar, bj('2025-01-27T17:30:00'), bj('2025-02-06T09:00:00'))).toBe(1);
    expect(workingDaysBetween(calendar, bj('2026-11-23T17:30:00'), bj('2026-11-23T18:00:00'))).toBe(0);
    expect(workingDaysBetween(calendar, bj('2026-11-20T17:30:00'), bj('2026-11-27T18:00:00'))).toBe(5);
  });

  test('an extension adds working days to the current deadline: Oct 9, 10 and the make-up Saturday Oct 11', () => {
    expect(extendDeadline(calendar, bj('2025-09-30T17:30:00'), 3)).toEqual(bj('2025-10-11T17:30:00'));
  });

  test('instants are in UTC, days in Beijing: 01:00 Beijing is still the previous day in UTC', () => {
    expect(calendar.dateOf(bj('2026-11-25T01:00:00'))).toBe('2026-11-25');
  });
});

describe('deadline policies', () => {
  test('the most specific policy wins: category over urgency over request type', () => {
    expect(selectPolicy(DEFAULT_POLICIES, { requestType: 'complaint', urgency: 'normal', category: null }).name).toBe('默认');
    expect(selectPolicy(DEFAULT_POLICIES, { requestType: 'consultation', urgency: 'normal', category: null }).name).toBe('咨询');
    expect(selectPolicy(DEFAULT_POLICIES, { requestType: 'consultation', urgency: 'critical', category: null }).name).toBe('特急');
    expect(selectPolicy(DEFAULT_POLICIES, { requestType: 'help', urgency: 'critical', category: '停电停水停气' }).name).toBe('停电停水停气');
  });

  test('a critical order must be signed within 15 minutes, replied within a working day', () => {
    const rules = selectPolicy(DEFAULT_POLICIES, { requestType: 'help', urgency: 'critical', category: null }).rules;
    const plan = planMilestones(calendar, rules, bj('2026-11-24T23:50:00'));
    expect(plan.find((p) => p.milestone === 'sign')!.dueAt).toEqual(bj('2026-11-25T00:05:00'));
    expect(plan.find((p) => p.milestone === 'reply')!.dueAt).toEqual(bj('2026-11-25T17:30:00'));
  });

  test('the warning comes at 80 % of the time', () => {
    const rules = DEFAULT_POLICIES[0].rules;
    const [sign] = planMilestones(calendar, rules, bj('2026-11-24T17:30:00'), ['sign']);
    expect(sign.dueAt).toEqual(bj('2026-11-25T17:30:00'));
    expect(sign.warnAt).toEqual(bj('2026-11-25T12:42:00'));
  });
});

describe('what is due for a milestone', () => {
  const rules: PolicyRules = DEFAULT_POLICIES[0].rules;
  const open = { dueAt: bj('2026-11-20T17:30:00'), warnAt: bj('2026-11-20T12:00:00'), warnedAt: null, overdueAt: null, urgeCount: 0, nextUrgeAt: null };

  test('nothing before the warning point, a warning after it', () => {
    expect(dueWork(calendar, rules, open, bj('2026-11-20T11:00:00'))).toBeNull();
    expect(dueWork(calendar, rules, open, bj('2026-11-20T13:00:00'))).toEqual({ kind: 'warn' });
  });

  test('past the deadline it is overdue, and the first urge is the next working day at opening', () => {
    expect(dueWork(calendar, rules, open, bj('2026-11-20T18:00:00'))).toEqual({ kind: 'overdue', firstUrgeAt: bj('2026-11-23T08:30:00') });
  });

  test('urges are counted, repeated every five working days, and escalate once five working days late', () => {
    const overdue = { ...open, warnedAt: bj('2026-11-20T12:00:00'), overdueAt: bj('2026-11-20T18:00:00'), nextUrgeAt: bj('2026-11-23T08:30:00') };
    expect(dueWork(calendar, rules, overdue, bj('2026-11-23T09:00:00'))).toEqual({
      kind: 'urge',
      number: 1,
      nextUrgeAt: bj('2026-11-30T08:30:00'),
      escalate: false,
      workingDaysLate: 0,
    });
    const second = { ...overdue, urgeCount: 1, nextUrgeAt: bj('2026-11-30T08:30:00') };
    expect(dueWork(calendar, rules, second, bj('2026-11-30T09:00:00'))).toMatchObject({ kind: 'urge', number: 2, escalate: true, workingDaysLate: 5 });
    const last = { ...overdue, urgeCount: 2, nextUrgeAt: bj('2026-12-07T08:30:00') };
    expect(dueWork(calendar, rules, last, bj('2026-12-07T09:00:00'))).toMatchObject({ number: 3, nextUrgeAt: null });
  });
});
