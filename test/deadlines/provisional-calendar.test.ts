import { provisionalHolidays } from '../../src/modules/deadlines/holidays';
import { bearer, intakeBody, storage, useTestApp } from '../support/app';

const { t, tokens } = useTestApp({ roles: ['operator', 'admin'] });

/** An instant written in Beijing time. */
const bj = (local: string) => new Date(`${local}+08:00`);

/** A 2027 notice as the State Council might publish it (made up: the real one is not out). */
const NOTICE_2027 = {
  holidays: [
    { name: '元旦', from: '2027-01-01', to: '2027-01-03' },
    { name: '春节', from: '2027-02-05', to: '2027-02-13' },
    { name: '清明', from: '2027-04-03', to: '2027-04-05' },
    { name: '劳动节', from: '2027-05-01', to: '2027-05-05' },
    { name: '端午', from: '2027-06-09', to: '2027-06-09' },
    { name: '中秋', from: '2027-09-15', to: '2027-09-15' },
    { name: '国庆节', from: '2027-10-01', to: '2027-10-07' },
  ],
  workdays: [
    { name: '春节', date: '2027-02-14' },
    { name: '春节', date: '2027-02-20' },
    { name: '劳动节', date: '2027-04-25' },
    { name: '劳动节', date: '2027-05-08' },
    { name: '国庆节', date: '2027-09-26' },
    { name: '国庆节', date: '2027-10-09' },
  ],
};

interface Day {
  date: string;
  kind: string;
  name: string;
  provisional: boolean;
}
const calendar = async (from: string, to: string) => (await t.http.get(`/api/v1/calendar?from=${from}&to=${to}`).set(bearer(tokens.operator)).expect(200)).body as Day[];
const status = async () => (await t.http.get('/api/v1/calendar/status').set(bearer(tokens.admin)).expect(200)).body;
const metrics = async () => (await t.http.get('/metrics').expect(200)).text;
const dueOf = async (id: string, milestone: string) =>
  ((await t.http.get(`/api/v1/work-orders/${id}`).set(bearer(tokens.operator))).body.deadlines as { milestone: string; dueAt: string }[]).filter((d) => d.milestone === milestone).at(-1)!.dueAt;
const moves = async (id: string) =>
  ((await t.http.get(`/api/v1/work-orders/${id}/events`).set(bearer(tokens.operator))).body as { action: string; reason: string; actor: { role: string }; details: Record<string, unknown> }[]).filter(
    (e) => e.action === 'deadlines-moved',
  );

async function dispatched(receivedAt: Date): Promise<string> {
  const created = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt: receivedAt.toISOString() })).expect(201);
  await t.http.post(`/api/v1/work-orders/${created.body.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
  return created.body.id;
}

/** The default policy with a 30-working-day close limit, so that an order of late December is due after the Spring Festival. */
async function closeWithin30WorkingDays(): Promise<void> {
  const rules = {
    sign: { kind: 'working_days', days: 1, startNextDay: true },
    returnWindow: { kind: 'working_days', days: 1, startNextDay: true },
    reply: { kind: 'working_days', days: 5, startNextDay: true },
    close: { kind: 'working_days', days: 30, startNextDay: true },
    warnAtShare: 0.8,
    urge: { repeatWorkingDays: 5, maxUrges: 3 },
    escalateAfterWorkingDays: 5,
    maxExtensionWorkingDays: 10,
  };
  await t.http.put('/api/v1/deadline-policies/默认').set(bearer(tokens.admin)).send({ requestType: null, urgency: null, category: null, rules }).expect(200);
}

describe(`next year's calendar before its notice (${storage})`, () => {
  beforeEach(async () => {
    // Start-up on 2 December 2026: chinese-days holds 2026 but not 2027.
    t.clock.set(bj('2026-12-02T10:00:00'));
    await t.app.services.deadlines.seed();
  });

  test('in December 2026 the 2027 statutory holidays are non-working and provisional, 1 January among them; the start-up log, status, /ready and the metrics warn', async () => {
    const warn = jest.spyOn(t.app.log, 'warn');
    await t.app.services.deadlines.seed();
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ years: [expect.objectContaining({ year: 2027, state: 'provisional' })], warnings: [expect.stringContaining('2027')] }),
      'calendar: this year or the next has no State Council notice',
    );
    warn.mockRestore();

    const y2027 = await calendar('2027-01-01', '2027-12-31');
    expect(y2027).toContainEqual({ date: '2027-01-01', kind: 'holiday', name: '元旦', provisional: true });
    for (const date of ['2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10']) expect(y2027).toContainEqual(expect.objectContaining({ date, kind: 'holiday', provisional: true }));
    // No make-up working day is guessed; every day of the year is provisional.
    expect(y2027.filter((d) => d.kind === 'workday')).toEqual([]);
    expect(y2027.every((d) => d.provisional)).toBe(true);
    expect((await calendar('2026-10-01', '2026-10-31')).every((d) => !d.provisional)).toBe(true);

    expect(await status()).toMatchObject({
      today: '2026-12-02',
      years: [
        { year: 2026, state: 'notice', provisionalDays: 0, nextProvisionalDay: null },
        { year: 2027, state: 'provisional', provisionalDays: 13, nextProvisionalDay: '2027-01-01', daysUntilProvisional: 30 },
      ],
      warnings: [expect.stringContaining('PUT /api/v1/calendar/years/2027')],
    });
    const ready = await t.http.get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.warnings).toEqual([expect.stringMatching(/^2027: no State Council notice.*provisional/)]);
    const text = await metrics();
    expect(text).toMatch(/^hotline_calendar_provisional_years 1$/m);
    expect(text).toMatch(/^hotline_calendar_days_until_provisional\{year="2027"\} 30$/m);

    // An order of 28 December has its reply due after New Year's Day, not on it.
    t.clock.set(bj('2026-12-28T10:00:00'));
    const id = await dispatched(bj('2026-12-28T09:00:00'));
    expect(await dueOf(id, 'reply')).toBe(bj('2027-01-05T17:30:00').toISOString());
  });

  test("the 2027 notice entered in one request replaces the provisional days, clears the warnings and moves an open order's deadline, with its event", async () => {
    await closeWithin30WorkingDays();
    t.clock.set(bj('2026-12-28T10:00:00'));
    const id = await dispatched(bj('2026-12-28T09:00:00'));
    // 30 working days from 29 December: the provisional Spring Festival (5, 8, 9, 10 February) is skipped.
    expect(await dueOf(id, 'close')).toBe(bj('2027-02-15T17:30:00').toISOString());

    expect((await t.http.put('/api/v1/calendar/years/2027').set(bearer(tokens.operator)).send(NOTICE_2027)).status).toBe(403);
    const wrong = [
      [{ ...NOTICE_2027, workdays: [...NOTICE_2027.workdays, { name: '春节', date: '2027-02-17' }] }, 'workday_not_weekend'],
      [{ ...NOTICE_2027, workdays: [...NOTICE_2027.workdays, { name: '春节', date: '2027-02-07' }] }, 'calendar_day_conflict'],
      [{ ...NOTICE_2027, holidays: [...NOTICE_2027.holidays, { name: '元旦', from: '2027-12-31', to: '2028-01-01' }] }, 'date_outside_year'],
      [{ ...NOTICE_2027, holidays: [{ name: '春节', from: '2027-02-13', to: '2027-02-05' }] }, 'holiday_range_reversed'],
    ] as const;
    for (const [body, code] of wrong) {
      const res = await t.http.put('/api/v1/calendar/years/2027').set(bearer(tokens.admin)).send(body);
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe(code);
    }
    expect((await t.http.put('/api/v1/calendar/years/1999').set(bearer(tokens.admin)).send(NOTICE_2027)).status).toBe(400);
    // Nothing of a refused notice is written.
    expect((await calendar('2027-01-01', '2027-12-31')).every((d) => d.provisional)).toBe(true);

    const entered = await t.http.put('/api/v1/calendar/years/2027').set(bearer(tokens.admin)).send(NOTICE_2027);
    expect(entered.status).toBe(200);
    expect(entered.body).toMatchObject({ year: 2027, holidays: 18, workdays: 6, replacedProvisional: 13, statutoryDaysWorked: [] });
    expect(entered.body.recomputed).toBeGreaterThanOrEqual(1);

    // Sunday 14 February is worked: the close deadline is the 16th.
    expect(await dueOf(id, 'close')).toBe(bj('2027-02-16T17:30:00').toISOString());
    expect(await dueOf(id, 'reply')).toBe(bj('2027-01-05T17:30:00').toISOString());
    const [moved] = await moves(id);
    expect(moved).toMatchObject({ actor: { role: 'system' }, reason: '工作日历调整: 2027年放假安排', details: { year: 2027 } });
    expect(moved.details.milestones).toEqual([{ milestone: 'close', from: bj('2027-02-15T17:30:00').toISOString(), to: bj('2027-02-16T17:30:00').toISOString() }]);

    const y2027 = await calendar('2027-01-01', '2027-12-31');
    expect(y2027.some((d) => d.provisional)).toBe(false);
    expect(y2027).toContainEqual({ date: '2027-02-14', kind: 'workday', name: '春节', provisional: false });
    expect(y2027).toContainEqual({ date: '2027-02-12', kind: 'holiday', name: '春节', provisional: false });

    expect(await status()).toMatchObject({ years: [{ year: 2026, state: 'notice' }, { year: 2027, state: 'notice', provisionalDays: 0 }], warnings: [] });
    const ready = await t.http.get('/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ready', checks: expect.any(Object) });
    const text = await metrics();
    expect(text).toMatch(/^hotline_calendar_provisional_years 0$/m);
    expect(text).not.toMatch(/^hotline_calendar_days_until_provisional\{/m);

    // A restart keeps the notice: nothing is derived again.
    await t.app.services.deadlines.seed();
    expect(await calendar('2027-01-01', '2027-12-31')).toEqual(y2027);
    expect(await moves(id)).toHaveLength(1);

    // A process still running in the new year: its sweep derives 2028, and the warning is back.
    t.clock.set(bj('2027-01-04T09:00:00'));
    await t.app.services.deadlines.sweep();
    expect(await status()).toMatchObject({ years: [{ year: 2027, state: 'notice' }, { year: 2028, state: 'provisional', nextProvisionalDay: '2028-01-03' }] });
  });

  test("a package upgrade that brings a provisional year's notice replaces its days at start-up, and deadlines move", async () => {
    // A database of December 2025 whose package did not hold 2026 yet: 2026 provisional.
    await t.db.write(async (m) => {
      await m.query(`DELETE FROM calendar_days WHERE day >= '2026-01-01'`);
      for (const d of provisionalHolidays(2026)) await m.query(`INSERT INTO calendar_days (day, kind, name, source) VALUES ($1, $2, $3, 'statutory')`, [d.date, d.kind, d.name]);
    });
    const derived = await calendar('2026-01-01', '2026-12-31');
    expect(derived.map((d) => d.date)).toEqual(['2026-01-01', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-04-06', '2026-05-01', '2026-05-04', '2026-06-19', '2026-09-25', '2026-10-01', '2026-10-02', '2026-10-05']);
    expect(derived.every((d) => d.provisional)).toBe(true);

    // 9 February 2026: the reply is due after the derived Spring Festival (16–19 February), on the 20th.
    t.clock.set(bj('2026-02-09T10:00:00'));
    const id = await dispatched(bj('2026-02-09T09:00:00'));
    expect(await dueOf(id, 'reply')).toBe(bj('2026-02-20T17:30:00').toISOString());

    // A local day an administrator set in the provisional year stays on top of the package's notice.
    await t.http.put('/api/v1/calendar/2026-03-02').set(bearer(tokens.admin)).send({ kind: 'holiday', name: '区内调整' }).expect(200);

    // The upgraded package holds the notice: Saturday 14 February is worked, the 20th is off.
    await t.app.services.deadlines.seed();
    const y2026 = await calendar('2026-01-01', '2026-12-31');
    expect(y2026.length).toBeGreaterThan(derived.length);
    expect(y2026.some((d) => d.provisional)).toBe(false);
    expect(y2026).toContainEqual({ date: '2026-02-14', kind: 'workday', name: '春节', provisional: false });
    expect(y2026).toContainEqual({ date: '2026-03-02', kind: 'holiday', name: '区内调整', provisional: false });
    expect(await dueOf(id, 'reply')).toBe(bj('2026-02-14T17:30:00').toISOString());
    expect((await moves(id)).map((e) => e.details.year)).toEqual([2026]);
  });
});
