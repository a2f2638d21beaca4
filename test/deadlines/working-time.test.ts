import { eachDayOfInterval, format, isWeekend, parseISO } from 'date-fns';
import { holidaysFromPackage, packageYears } from '../../src/modules/deadlines/holidays';
import { DEFAULT_POLICIES, deadlineFor, dueWork, escalationAt, extendDeadline, nextCheck, nextUrgeAt, planMilestones, selectPolicy, type PolicyRules } from '../../src/modules/deadlines/policy';
import { addClockMinutes, addWorkingDays, MAX_SCAN_CALENDAR_DAYS, MAX_SPAN_WORKING_DAYS, openingAfterWorkingDays, workingDayMinutes, workingDaysBetween, workingMinutesBetween, WorkingCalendar } from '../../src/modules/deadlines/working-time';

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

  test('2026 as the State Council notice has it (国办发明电〔2025〕7号), holiday by holiday, make-up day by make-up day', () => {
    // The notice: [name, first day off, last day off, make-up working days].
    const notice: [string, string, string, string[]][] = [
      ['元旦', '2026-01-01', '2026-01-03', ['2026-01-04']],
      ['春节', '2026-02-15', '2026-02-23', ['2026-02-14', '2026-02-28']],
      ['清明', '2026-04-04', '2026-04-06', []],
      ['劳动节', '2026-05-01', '2026-05-05', ['2026-05-09']],
      ['端午', '2026-06-19', '2026-06-21', []],
      ['中秋', '2026-09-25', '2026-09-27', []],
      ['国庆节', '2026-10-01', '2026-10-07', ['2026-09-20', '2026-10-10']],
    ];
    const expected = notice
      .flatMap(([name, from, to, makeUp]) => [
        // Days off that fall on a weekend are off anyway: only weekdays are exceptions to the week.
        ...eachDayOfInterval({ start: parseISO(from), end: parseISO(to) })
          .filter((d) => !isWeekend(d))
          .map((d) => ({ date: format(d, 'yyyy-MM-dd'), kind: 'holiday', name })),
        ...makeUp.map((date) => ({ date, kind: 'workday', name })),
      ])
      .sort((a, b) => a.date.localeCompare(b.date));
    expect(holidaysFromPackage(2026, 2026)).toEqual(expected);
    for (const [, from, to, makeUp] of notice) {
      for (const d of eachDayOfInterval({ start: parseISO(from), end: parseISO(to) })) expect(calendar.isWorkingDay(format(d, 'yyyy-MM-dd'))).toBe(false);
      for (const date of makeUp) expect(calendar.isWorkingDay(date)).toBe(true);
    }
  });

  test('the package says which years it covers: a run without gaps up to 2026 at least, each with its holidays', () => {
    const years = packageYears();
    expect(years).toContain(2026);
    expect(years).toEqual(Array.from({ length: years.length }, (_, i) => years[0] + i));
    for (const year of years) expect(holidaysFromPackage(year, year).some((d) => d.kind === 'holiday')).toBe(true);
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
    expect(selectPolicy(DEFAULT_POLICIES, { requestType: 'complaint', urgency: 'normal', category: null })?.name).toBe('默认');
    expect(selectPolicy(DEFAULT_POLICIES, { requestType: 'consultation', urgency: 'normal', category: null })?.name).toBe('咨询');
    expect(selectPolicy(DEFAULT_POLICIES, { requestType: 'consultation', urgency: 'critical', category: null })?.name).toBe('特急');
    expect(selectPolicy(DEFAULT_POLICIES, { requestType: 'help', urgency: 'critical', category: '停电停水停气' })?.name).toBe('停电停水停气');
  });

  test('without a catch-all policy an order no policy names has none (the service then applies the built-in defaults)', () => {
    const specific = DEFAULT_POLICIES.filter((p) => p.name !== '默认');
    expect(selectPolicy(specific, { requestType: 'complaint', urgency: 'normal', category: null })).toBeNull();
    expect(selectPolicy(specific, { requestType: 'consultation', urgency: 'normal', category: null })?.name).toBe('咨询');
  });

  test('a critical order must be signed within 15 minutes, replied within a working day', () => {
    const rules = selectPolicy(DEFAULT_POLICIES, { requestType: 'help', urgency: 'critical', category: null })!.rules;
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
  const open = { dueAt: bj('2026-11-20T17:30:00'), warnAt: bj('2026-11-20T12:00:00'), warnedAt: null, overdueAt: null, urgeCount: 0, nextUrgeAt: null, escalatedAt: null };

  test('nothing before the warning point, a warning after it', () => {
    expect(dueWork(calendar, rules, open, bj('2026-11-20T11:00:00'))).toBeNull();
    expect(dueWork(calendar, rules, open, bj('2026-11-20T13:00:00'))).toEqual({ kind: 'warn' });
  });

  test('past the deadline it is overdue, and the first urge is the next working day at opening', () => {
    expect(dueWork(calendar, rules, open, bj('2026-11-20T18:00:00'))).toEqual({ kind: 'overdue', firstUrgeAt: bj('2026-11-23T08:30:00') });
  });

  test('urges are counted and repeated every five working days, three in all', () => {
    const overdue = { ...open, warnedAt: bj('2026-11-20T12:00:00'), overdueAt: bj('2026-11-20T18:00:00'), nextUrgeAt: bj('2026-11-23T08:30:00') };
    expect(dueWork(calendar, rules, overdue, bj('2026-11-23T09:00:00'))).toEqual({ kind: 'urge', number: 1, nextUrgeAt: bj('2026-11-30T08:30:00'), workingDaysLate: 0 });
    const second = { ...overdue, urgeCount: 1, nextUrgeAt: bj('2026-11-30T08:30:00') };
    expect(dueWork(calendar, rules, second, bj('2026-11-30T09:00:00'))).toMatchObject({ kind: 'urge', number: 2, workingDaysLate: 5 });
    const last = { ...overdue, urgeCount: 2, nextUrgeAt: bj('2026-12-07T08:30:00') };
    expect(dueWork(calendar, rules, last, bj('2026-12-07T09:00:00'))).toMatchObject({ number: 3, nextUrgeAt: null });
  });

  test('escalation is due of its own at close of business of the fifth working day late, once, whether or not urges remain', () => {
    expect(escalationAt(calendar, rules, open.dueAt)).toEqual(bj('2026-11-27T17:30:00'));
    const urgedOut = { ...open, warnedAt: bj('2026-11-20T12:00:00'), overdueAt: bj('2026-11-20T18:00:00'), urgeCount: 3, nextUrgeAt: null };
    expect(dueWork(calendar, rules, urgedOut, bj('2026-11-27T17:29:00'))).toBeNull();
    expect(dueWork(calendar, rules, urgedOut, bj('2026-11-27T17:30:00'))).toEqual({ kind: 'escalate', workingDaysLate: 5 });
    expect(dueWork(calendar, rules, { ...urgedOut, escalatedAt: bj('2026-11-27T17:30:00') }, bj('2026-12-30T09:00:00'))).toBeNull();
  });

  test('a clock deadline in the middle of a working day counts that day: escalated at its close of business N-1 working days later', () => {
    const critical = { ...rules, escalateAfterWorkingDays: 2 };
    expect(escalationAt(calendar, critical, bj('2026-11-24T10:15:00'))).toEqual(bj('2026-11-25T17:30:00'));
    expect(workingDaysBetween(calendar, bj('2026-11-24T10:15:00'), bj('2026-11-25T17:30:00'))).toBe(2);
  });

  test('the next check of a milestone is the earliest of its warning, deadline, next urge and escalation', () => {
    expect(nextCheck(calendar, rules, open)).toEqual({ at: open.warnAt, what: 'warn' });
    expect(nextCheck(calendar, rules, { ...open, warnedAt: open.warnAt })).toEqual({ at: open.dueAt, what: 'due' });
    const tight = { ...rules, urge: { repeatWorkingDays: 2, maxUrges: 2 }, escalateAfterWorkingDays: 3 };
    const urgedOut = { ...open, warnedAt: open.warnAt, overdueAt: bj('2026-11-20T18:00:00'), urgeCount: 2, nextUrgeAt: null };
    expect(nextCheck(calendar, tight, urgedOut)).toEqual({ at: bj('2026-11-25T17:30:00'), what: 'escalate' });
    expect(nextCheck(calendar, tight, { ...urgedOut, escalatedAt: bj('2026-11-25T17:30:00') })).toBeNull();
  });

  test('the next urge follows the last one on the calendar: across the National Day holiday and its make-up Saturday', () => {
    const due = bj('2025-09-29T17:30:00');
    expect(nextUrgeAt(calendar, rules, { dueAt: due, urgeCount: 0, lastUrgeAt: null })).toEqual(bj('2025-09-30T08:30:00'));
    expect(nextUrgeAt(calendar, rules, { dueAt: due, urgeCount: 1, lastUrgeAt: bj('2025-09-30T08:30:00') })).toEqual(bj('2025-10-14T08:30:00'));
    expect(nextUrgeAt(calendar, rules, { dueAt: due, urgeCount: 3, lastUrgeAt: bj('2025-10-20T08:30:00') })).toBeNull();
  });
});

describe('every loop over calendar days is bounded, whatever its input', () => {
  const start = bj('2026-11-24T10:00:00');

  test('an endless or negative span of working days is refused, not counted', () => {
    for (const days of [Infinity, -Infinity, NaN, 1e9, -1, 2.5]) {
      expect(() => addWorkingDays(calendar, start, days, nextDay)).toThrow(expect.objectContaining({ status: 422, code: 'working_days_out_of_range' }));
    }
    expect(() => openingAfterWorkingDays(calendar, start, Infinity)).toThrow(expect.objectContaining({ code: 'working_days_out_of_range' }));
    expect(addWorkingDays(calendar, start, MAX_SPAN_WORKING_DAYS, nextDay).getTime()).toBeGreaterThan(start.getTime());
  });

  test('a calendar with no working day for years stops with a clear error instead of searching on', () => {
    const allOff = eachDayOfInterval({ start: new Date(2026, 10, 25), end: new Date(2029, 0, 1) }).map((d) => ({ date: format(d, 'yyyy-MM-dd'), kind: 'holiday' as const, name: '误录' }));
    const broken = new WorkingCalendar(allOff);
    expect(() => addWorkingDays(broken, start, 1, nextDay)).toThrow(expect.objectContaining({ code: 'calendar_without_working_days' }));
  });

  test('lateness since year 1 is counted over the last ten years only', () => {
    const late = workingDaysBetween(calendar, new Date('0001-01-01T00:00:00Z'), start);
    expect(late).toBeGreaterThan(2_000);
    expect(late).toBeLessThanOrEqual(MAX_SCAN_CALENDAR_DAYS);
  });
});

describe('working time left', () => {
  const day = 9 * 60;
  test('on a working day, the minutes until close of business; a night and a weekend add nothing', () => {
    expect(workingDayMinutes(calendar)).toBe(day);
    expect(workingMinutesBetween(calendar, bj('2025-06-03T15:30:00'), bj('2025-06-03T17:30:00'))).toBe(120);
    // Friday 16:30 to Monday 17:30: one hour on Friday, a whole Monday.
    expect(workingMinutesBetween(calendar, bj('2025-06-06T16:30:00'), bj('2025-06-09T17:30:00'))).toBe(60 + day);
    expect(workingMinutesBetween(calendar, bj('2025-06-06T20:00:00'), bj('2025-06-07T12:00:00'))).toBe(0);
  });

  test('National Day counts nothing, and the make-up Saturday (调休) after it counts a whole day', () => {
    // Tuesday 30 Sep 17:30 to Saturday 11 Oct 17:30: 1–8 Oct off, 9 and 10 Oct worked, 11 Oct a make-up working day.
    expect(workingMinutesBetween(calendar, bj('2025-09-30T17:30:00'), bj('2025-10-11T17:30:00'))).toBe(3 * day);
  });

  test('past the deadline the count is negative: how much working time late', () => {
    expect(workingMinutesBetween(calendar, bj('2025-06-09T17:30:00'), bj('2025-06-06T16:30:00'))).toBe(-(60 + day));
  });
});
