import Bull from 'bull';
import pino from 'pino';
import { BullQueue } from '../../src/jobs/bull-queue';
import { holidaysFromPackage } from '../../src/modules/deadlines/holidays';
import { createServices } from '../../src/runtime';
import { bearer, intakeBody, storage, useTestApp } from '../support/app';

const { t, tokens, units } = useTestApp({ roles: ['operator', 'commander', 'admin'], units: ['CQ-CG'] });

/** An instant written in Beijing time. */
const bj = (local: string) => new Date(`${local}+08:00`);

interface Deadline {
  milestone: string;
  unit: { code: string };
  dueAt: string;
  state: string;
  overdue: boolean;
  late: boolean;
  urgeCount: number;
  extendedDays: number;
}

async function dispatched(receivedAt: Date, unit = 'CQ-CG', extra: Record<string, unknown> = {}): Promise<string> {
  const created = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt: receivedAt.toISOString(), ...extra })).expect(201);
  await t.http.post(`/api/v1/work-orders/${created.body.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: unit }).expect(200);
  return created.body.id;
}

const order = async (id: string) => (await t.http.get(`/api/v1/work-orders/${id}`).set(bearer(tokens.operator))).body as { deadlines: Deadline[]; returnDueAt: string; state: string };
const events = async (id: string) => (await t.http.get(`/api/v1/work-orders/${id}/events`).set(bearer(tokens.operator))).body as { action: string; details: Record<string, unknown>; actor: { role: string } }[];
const deadline = (o: { deadlines: Deadline[] }, milestone: string) => o.deadlines.filter((d) => d.milestone === milestone).at(-1)!;
const systemNotices = async (id: string) => (await events(id)).filter((e) => e.actor.role === 'system').map((e) => `${e.action}:${e.details.milestone ?? e.details.trigger}`);
const openSlips = async () => (await t.http.get('/api/v1/supervision-slips?state=open').set(bearer(tokens.commander))).body as { trigger: string; reason: string; orders: { id: string }[] }[];

/** Moves the clock and runs the sweep as the worker's timer would, then waits for the checks it queued. */
async function sweepAt(instant: Date): Promise<number> {
  t.clock.set(instant);
  const found = await t.app.services.deadlines.sweep();
  await t.jobs.settled();
  return found;
}

/** Rules like the defaults, with the changes given. */
const rulesWith = (changes: Record<string, unknown>) => ({
  sign: { kind: 'working_days', days: 1, startNextDay: true },
  returnWindow: { kind: 'working_days', days: 1, startNextDay: true },
  reply: { kind: 'working_days', days: 5, startNextDay: true },
  close: { kind: 'working_days', days: 5, startNextDay: true },
  warnAtShare: 0.8,
  urge: { repeatWorkingDays: 5, maxUrges: 3 },
  escalateAfterWorkingDays: 5,
  maxExtensionWorkingDays: 10,
  ...changes,
});

describe(`deadlines on the working-day calendar (${storage})`, () => {
  test('dispatch sets sign, reply and close deadlines counted from receipt on working days, charged to the lead unit', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const id = await dispatched(bj('2026-11-24T09:00:00'));
    const o = await order(id);
    expect(deadline(o, 'sign')).toMatchObject({ dueAt: bj('2026-11-25T17:30:00').toISOString(), state: 'open', overdue: false, unit: { code: 'CQ-CG' } });
    expect(deadline(o, 'reply').dueAt).toBe(bj('2026-12-01T17:30:00').toISOString());
    expect(o.returnDueAt).toBe(bj('2026-11-25T17:30:00').toISOString());
  });

  test('time left counts the working day: across National Day the sign deadline has one day and a half of working time left, not nine days', async () => {
    t.clock.set(bj('2026-09-30T10:00:00'));
    const id = await dispatched(bj('2026-09-30T09:00:00'));
    const sign = deadline(await order(id), 'sign') as Deadline & { left: unknown };
    // Received Wednesday 30 September; 1–7 October off: Thursday 8 October is the first working day after receipt.
    expect(sign.dueAt).toBe(bj('2026-10-08T17:30:00').toISOString());
    expect(sign.left).toEqual({ clock: 'working', minutes: 450 + 540, dayMinutes: 540 });
    t.clock.set(bj('2026-10-09T09:30:00'));
    const late = deadline(await order(id), 'sign') as Deadline & { left: { minutes: number } };
    expect(late.overdue).toBe(true);
    expect(late.left.minutes).toBe(-60);
  });

  test('a critical order counts every minute: its time left is clock time', async () => {
    t.clock.set(bj('2026-11-21T23:50:00'));
    const id = await dispatched(bj('2026-11-21T23:50:00'), 'CQ-CG', { urgency: 'critical' });
    t.clock.set(bj('2026-11-21T23:55:00'));
    expect((deadline(await order(id), 'sign') as Deadline & { left: unknown }).left).toEqual({ clock: 'clock', minutes: 10, dayMinutes: 1440 });
  });

  test('a critical order must be signed within 15 minutes, whatever the hour', async () => {
    t.clock.set(bj('2026-11-21T23:50:00'));
    const id = await dispatched(bj('2026-11-21T23:50:00'), 'CQ-CG', { urgency: 'critical' });
    expect(deadline(await order(id), 'sign').dueAt).toBe(bj('2026-11-22T00:05:00').toISOString());
  });

  test('an order received long ago is overdue on dispatch: marked, urged once, escalated to one supervision slip', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const id = await dispatched(bj('2026-11-09T09:00:00'));
    await t.jobs.settled();
    const history = await events(id);
    const notices = history.filter((e) => e.actor.role === 'system').map((e) => `${e.action}:${e.details.milestone ?? e.details.trigger}`);
    expect(notices).toEqual(expect.arrayContaining(['overdue:sign', 'urge:sign', 'overdue:reply', 'urge:reply', 'overdue:close', 'urge:close', 'escalate:overdue']));
    expect(notices.filter((n) => n === 'escalate:overdue')).toHaveLength(1);
    const o = await order(id);
    expect(deadline(o, 'sign')).toMatchObject({ overdue: true, late: true, urgeCount: 1 });
    const slips = (await t.http.get('/api/v1/supervision-slips?state=open').set(bearer(tokens.commander))).body;
    expect(slips).toHaveLength(1);
    expect(slips[0]).toMatchObject({ trigger: 'overdue', unit: { code: 'CQ-CG' }, orders: [{ id }], number: expect.stringMatching(/^督办〔2026〕\d+号$/) });
  });

  test('urges repeat five working days later, each counted once, and stop when the unit signs', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const id = await dispatched(bj('2026-11-19T09:00:00'));
    await t.jobs.settled();
    expect(deadline(await order(id), 'sign').urgeCount).toBe(1);
    t.clock.set(bj('2026-12-01T09:00:00'));
    await t.app.services.deadlines.sweep();
    await t.jobs.settled();
    await t.app.services.deadlines.sweep();
    await t.jobs.settled();
    expect(deadline(await order(id), 'sign').urgeCount).toBe(2);
    const urges = (await events(id)).filter((e) => e.action === 'urge' && e.details.milestone === 'sign').map((e) => e.details.number);
    expect(urges).toEqual([1, 2]);
    await t.http.post(`/api/v1/work-orders/${id}/sign`).set(bearer(units['CQ-CG'])).send({}).expect(200);
    const signed = deadline(await order(id), 'sign');
    expect(signed).toMatchObject({ state: 'met', late: true, overdue: false });
    t.clock.set(bj('2026-12-09T09:00:00'));
    await t.app.services.deadlines.sweep();
    await t.jobs.settled();
    expect(deadline(await order(id), 'sign').urgeCount).toBe(2);
  });

  test('two workers checking the same milestone at once urge it once', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const enqueue = jest.spyOn(t.jobs, 'enqueue').mockResolvedValue(undefined);
    const id = await dispatched(bj('2026-11-19T09:00:00'));
    const [sign] = await t.db.read((m) => m.query(`SELECT id FROM work_order_milestones WHERE work_order_id = $1 AND milestone = 'sign'`, [id]));
    const other = createServices(t.config, t.db, t.jobs, pino({ level: 'silent' }), t.clock.now);
    await Promise.all([t.app.services.deadlines.check(sign.id), other.deadlines.check(sign.id), t.app.services.deadlines.check(sign.id)]);
    enqueue.mockRestore();
    const urges = (await events(id)).filter((e) => e.action === 'urge' && e.details.milestone === 'sign');
    expect(urges).toHaveLength(1);
    expect((await events(id)).filter((e) => e.action === 'overdue' && e.details.milestone === 'sign')).toHaveLength(1);
  });

  test('jobs lost with a Redis flush are found again by the sweep from the database, and each effect happens once', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    // Deadlines days ahead: the dispatch queues their checks as delayed jobs, for real.
    const id = await dispatched(bj('2026-11-24T09:00:00'));
    await t.jobs.settled();
    if (t.jobs instanceof BullQueue) {
      const prefix = `${t.config.REDIS_PREFIX}:bull`;
      const view = new Bull('jobs', t.config.REDIS_URL!, { prefix });
      try {
        const delayed = (await view.getDelayed()).filter((j) => j.name === 'deadline.check');
        expect(delayed.length).toBeGreaterThanOrEqual(6);
        // The flush: every key of this app's queue goes, as if Redis had lost its data.
        const keys = await view.client.keys(`${prefix}:*`);
        expect(keys.length).toBeGreaterThan(0);
        await view.client.del(...keys);
        expect(await view.getDelayedCount()).toBe(0);
      } finally {
        await view.close();
      }
    }
    // On the embedded default there is nothing to flush: the in-process queue sets no timer further
    // out than six hours (these are days away) and offers no way to drop one; the sweep alone finds them.
    expect(await systemNotices(id)).toEqual([]);
    // Ten working days on, every deadline has passed; nothing but the sweep knows.
    expect(await sweepAt(bj('2026-12-09T10:00:00'))).toBe(3);
    const notices = await systemNotices(id);
    expect(notices.filter((n) => n.startsWith('overdue:'))).toHaveLength(3);
    expect(notices.filter((n) => n.startsWith('urge:'))).toHaveLength(3);
    expect(notices.filter((n) => n === 'escalate:overdue')).toHaveLength(1);
    expect(await openSlips()).toHaveLength(1);
    // The sweep again, and the checks run twice more by hand: nothing happens twice.
    await sweepAt(bj('2026-12-09T10:05:00'));
    const milestones = await t.db.read((m) => m.query(`SELECT id FROM work_order_milestones WHERE work_order_id = $1`, [id]));
    for (const ms of milestones as { id: string }[]) await Promise.all([t.app.services.deadlines.check(ms.id), t.app.services.deadlines.check(ms.id)]);
    expect(await systemNotices(id)).toEqual(notices);
    expect(await openSlips()).toHaveLength(1);
  });

  test('a breach stays with the unit that held the order after it is transferred', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const enqueue = jest.spyOn(t.jobs, 'enqueue').mockResolvedValue(undefined);
    const id = await dispatched(bj('2026-11-19T09:00:00'));
    await t.http.post(`/api/v1/work-orders/${id}/return`).set(bearer(units['CQ-CG'])).send({ reason: '非本单位职责' }).expect(200);
    await t.http.post(`/api/v1/work-orders/${id}/approve-return`).set(bearer(tokens.operator)).send({}).expect(200);
    await t.http.post(`/api/v1/work-orders/${id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-ZJ' }).expect(200);
    enqueue.mockRestore();
    const o = await order(id);
    const signs = o.deadlines.filter((d) => d.milestone === 'sign');
    expect(signs.map((d) => [d.unit.code, d.state, d.late])).toEqual([
      ['CQ-CG', 'cancelled', true],
      ['CQ-ZJ', 'open', false],
    ]);
    expect(signs[1].dueAt).toBe(bj('2026-11-25T17:30:00').toISOString());
  });

  test('a unit returns an order only within the return window', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const id = await dispatched(bj('2026-11-24T09:00:00'));
    t.clock.set(bj('2026-11-25T18:00:00'));
    const res = await t.http.post(`/api/v1/work-orders/${id}/return`).set(bearer(units['CQ-CG'])).send({ reason: '非本单位职责' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('return_window_closed');
  });

  test('an approved extension moves the reply and close deadlines by working days; one asked after the deadline is refused', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const id = await dispatched(bj('2026-11-24T09:00:00'));
    await t.http.post(`/api/v1/work-orders/${id}/sign`).set(bearer(units['CQ-CG'])).send({}).expect(200);
    await t.http.post(`/api/v1/work-orders/${id}/request-extension`).set(bearer(units['CQ-CG'])).send({ workingDays: 3, reason: '需联合执法' }).expect(200);
    await t.http.post(`/api/v1/work-orders/${id}/approve-extension`).set(bearer(tokens.operator)).send({}).expect(200);
    expect(deadline(await order(id), 'reply').dueAt).toBe(bj('2026-12-04T17:30:00').toISOString());
    t.clock.set(bj('2026-12-07T09:00:00'));
    const late = await t.http.post(`/api/v1/work-orders/${id}/request-extension`).set(bearer(units['CQ-CG'])).send({ workingDays: 3, reason: '再延' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('deadline_passed');
  });

  test('extensions add up to the policy limit: the refusal says how many days remain; the policy, not a fixed cap, limits one request', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const id = await dispatched(bj('2026-11-24T09:00:00'));
    await t.http.post(`/api/v1/work-orders/${id}/sign`).set(bearer(units['CQ-CG'])).send({}).expect(200);
    const ask = (workingDays: number) => t.http.post(`/api/v1/work-orders/${id}/request-extension`).set(bearer(units['CQ-CG'])).send({ workingDays, reason: '需联合执法' });
    const approve = () => t.http.post(`/api/v1/work-orders/${id}/approve-extension`).set(bearer(tokens.operator)).send({}).expect(200);
    await ask(6).expect(200);
    await approve();
    const tooMuch = await ask(5);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(tooMuch.body).toMatchObject({ code: 'extension_too_long', limit: 10, granted: 6, remaining: 4 });
    expect(tooMuch.body.detail).toMatch(/at most 4 more/);
    expect((await order(id)).state).toBe('signed');
    expect((await events(id)).filter((e) => e.action === 'request-extension')).toHaveLength(1);
    await ask(4).expect(200);
    await approve();
    expect(deadline(await order(id), 'reply')).toMatchObject({ extendedDays: 10, dueAt: bj('2026-12-15T17:30:00').toISOString() });
    expect((await ask(1)).body).toMatchObject({ code: 'extension_too_long', remaining: 0 });
    // A request above the old fixed cap of 10 is the policy's to judge: 422, not a schema 400.
    expect((await ask(11)).body.code).toBe('extension_too_long');
    const rules = rulesWith({ maxExtensionWorkingDays: 30 });
    await t.http.put('/api/v1/deadline-policies/默认').set(bearer(tokens.admin)).send({ requestType: null, urgency: null, category: null, rules }).expect(200);
    await ask(15).expect(200);
    await approve();
    expect(deadline(await order(id), 'reply').extendedDays).toBe(25);
    expect((await ask(61)).status).toBe(400);
  });

  test('an administrator adds a holiday: open deadlines across it move, and back when removed', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const id = await dispatched(bj('2026-11-24T09:00:00'));
    const set = await t.http.put('/api/v1/calendar/2026-11-26').set(bearer(tokens.admin)).send({ kind: 'holiday', name: '临时调整' });
    expect(set.status).toBe(200);
    expect(set.body.recomputed).toBeGreaterThanOrEqual(2);
    expect(deadline(await order(id), 'reply').dueAt).toBe(bj('2026-12-02T17:30:00').toISOString());
    const days = (await t.http.get('/api/v1/calendar?from=2026-11-01&to=2026-11-30').set(bearer(tokens.operator))).body;
    expect(days).toContainEqual({ date: '2026-11-26', kind: 'holiday', name: '临时调整', provisional: false });
    await t.http.delete('/api/v1/calendar/2026-11-26').set(bearer(tokens.admin)).expect(200);
    expect(deadline(await order(id), 'reply').dueAt).toBe(bj('2026-12-01T17:30:00').toISOString());
    expect((await t.http.put('/api/v1/calendar/2026-11-27').set(bearer(tokens.operator)).send({ kind: 'holiday', name: 'x' })).status).toBe(403);

    // Each move is an event on the order, by the system, saying which deadlines moved and where.
    const moves = async () =>
      ((await t.http.get(`/api/v1/work-orders/${id}/events`).set(bearer(tokens.operator))).body as { action: string; actor: { name: string }; details: Record<string, unknown> }[]).filter(
        (e) => e.action === 'deadlines-moved',
      );
    const [added, removed] = await moves();
    expect(added).toMatchObject({ actor: { name: 'system' }, details: { date: '2026-11-26' } });
    expect(added.details.milestones).toContainEqual({ milestone: 'reply', from: bj('2026-12-01T17:30:00').toISOString(), to: bj('2026-12-02T17:30:00').toISOString() });
    expect(removed.details.milestones).toContainEqual({ milestone: 'reply', from: bj('2026-12-02T17:30:00').toISOString(), to: bj('2026-12-01T17:30:00').toISOString() });
    // A holiday inside the return window moves the window too.
    expect((await order(id)).returnDueAt).toBe(bj('2026-11-25T17:30:00').toISOString());
    await t.http.put('/api/v1/calendar/2026-11-25').set(bearer(tokens.admin)).send({ kind: 'holiday', name: '临时调整' }).expect(200);
    expect((await order(id)).returnDueAt).toBe(bj('2026-11-26T17:30:00').toISOString());
    expect((await moves()).at(-1)!.details.returnDueAt).toEqual({ from: bj('2026-11-25T17:30:00').toISOString(), to: bj('2026-11-26T17:30:00').toISOString() });
  });

  test('deadline policies are data: a new one for a category applies to orders dispatched after it', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const rules = rulesWith({
      sign: { kind: 'clock', minutes: 60 },
      reply: { kind: 'working_days', days: 2, startNextDay: true },
      close: { kind: 'working_days', days: 3, startNextDay: true },
      warnAtShare: 0.5,
      urge: { repeatWorkingDays: 2, maxUrges: 2 },
      escalateAfterWorkingDays: 3,
      maxExtensionWorkingDays: 5,
    });
    const put = await t.http.put('/api/v1/deadline-policies/噪音').set(bearer(tokens.admin)).send({ requestType: null, urgency: null, category: '噪音扰民', rules });
    expect(put.status).toBe(200);
    const clash = await t.http.put('/api/v1/deadline-policies/噪音2').set(bearer(tokens.admin)).send({ requestType: null, urgency: null, category: '噪音扰民', rules });
    expect(clash.body.code).toBe('policy_scope_taken');
    const id = await dispatched(bj('2026-11-24T09:00:00'), 'CQ-CG', { category: '噪音扰民' });
    expect(deadline(await order(id), 'sign').dueAt).toBe(bj('2026-11-24T10:00:00').toISOString());
    const catchAll = await t.http.put('/api/v1/deadline-policies/默认').set(bearer(tokens.admin)).send({ requestType: null, urgency: null, category: null, rules, active: false });
    expect(catchAll.body.code).toBe('catch_all_required');
  });

  test('a return straight from dispatch that the centre rejects meets the sign deadline then: no sign warning, urge or slip follows', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const id = await dispatched(bj('2026-11-24T09:00:00'));
    await t.http.post(`/api/v1/work-orders/${id}/return`).set(bearer(units['CQ-CG'])).send({ reason: '非本单位职责' }).expect(200);
    t.clock.set(bj('2026-11-24T11:00:00'));
    const rejected = await t.http.post(`/api/v1/work-orders/${id}/reject-return`).set(bearer(tokens.operator)).send({ reason: '属于本单位职责' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.state).toBe('signed');
    expect(deadline(rejected.body, 'sign')).toMatchObject({ state: 'met', late: false, unit: { code: 'CQ-CG' } });
    expect(rejected.body.deadlines.find((d: Deadline & { metAt: string }) => d.milestone === 'sign').metAt).toBe(bj('2026-11-24T11:00:00').toISOString());
    await sweepAt(bj('2026-11-25T17:00:00'));
    await sweepAt(bj('2026-12-02T09:00:00'));
    const notices = await systemNotices(id);
    expect(notices.filter((n) => n.endsWith(':sign'))).toEqual([]);
    // The reply deadline still runs for the unit, as for any signed order.
    expect(notices).toContain('overdue:reply');
  });

  test('with urges every 2 working days, at most 2, an order 3 working days late is escalated once, after its urges ran out', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const rules = rulesWith({ reply: { kind: 'working_days', days: 15, startNextDay: true }, close: { kind: 'working_days', days: 15, startNextDay: true }, urge: { repeatWorkingDays: 2, maxUrges: 2 }, escalateAfterWorkingDays: 3 });
    await t.http.put('/api/v1/deadline-policies/噪音').set(bearer(tokens.admin)).send({ requestType: null, urgency: null, category: '噪音扰民', rules }).expect(200);
    // Received last Friday: signing was due Monday 17:30, so the order is overdue on dispatch and urged at once.
    const id = await dispatched(bj('2026-11-20T09:00:00'), 'CQ-CG', { category: '噪音扰民' });
    await t.jobs.settled();
    expect(deadline(await order(id), 'sign')).toMatchObject({ dueAt: bj('2026-11-23T17:30:00').toISOString(), urgeCount: 1 });
    await sweepAt(bj('2026-11-26T09:00:00'));
    expect(deadline(await order(id), 'sign').urgeCount).toBe(2);
    // Two working days late and no urge left: nothing yet.
    await sweepAt(bj('2026-11-26T17:29:00'));
    expect(await openSlips()).toEqual([]);
    // Close of business Thursday: three working days late.
    await sweepAt(bj('2026-11-26T17:30:00'));
    const slips = await openSlips();
    expect(slips).toHaveLength(1);
    expect(slips[0]).toMatchObject({ trigger: 'overdue', orders: [{ id }] });
    expect(slips[0].reason).toContain('签收超期3个工作日,已催办2次');
    await sweepAt(bj('2026-11-30T09:00:00'));
    await sweepAt(bj('2026-12-09T09:00:00'));
    const notices = await systemNotices(id);
    expect(notices.filter((n) => n === 'urge:sign')).toHaveLength(2);
    expect(notices.filter((n) => n === 'escalate:overdue')).toHaveLength(1);
    expect(await openSlips()).toHaveLength(1);
  });

  test('the catch-all policy can be neither narrowed nor switched off; should the database hold none, dispatch uses the built-in defaults', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const before = (await t.http.get('/api/v1/deadline-policies').set(bearer(tokens.admin))).body as { name: string }[];
    const rules = rulesWith({ sign: { kind: 'working_days', days: 2, startNextDay: true } });
    for (const change of [{ requestType: 'complaint', urgency: null, category: null }, { requestType: null, urgency: 'normal', category: '噪音扰民' }, { requestType: 'help', urgency: null, category: null, active: false }]) {
      const res = await t.http.put('/api/v1/deadline-policies/默认').set(bearer(tokens.admin)).send({ ...change, rules });
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('catch_all_required');
    }
    expect((await t.http.get('/api/v1/deadline-policies').set(bearer(tokens.admin))).body).toEqual(before);
    // Changed by hand in the database: no active catch-all.
    await t.db.write((m) => m.query(`UPDATE deadline_policies SET active = false WHERE name = '默认'`));
    await t.app.services.deadlines.seed();
    const id = await dispatched(bj('2026-11-24T09:00:00'));
    expect(deadline(await order(id), 'sign').dueAt).toBe(bj('2026-11-25T17:30:00').toISOString());
    // While none is active, only a change that brings one back is taken.
    expect((await t.http.put('/api/v1/deadline-policies/投诉').set(bearer(tokens.admin)).send({ requestType: 'complaint', urgency: null, category: null, rules })).body.code).toBe('catch_all_required');
    await t.http.put('/api/v1/deadline-policies/默认').set(bearer(tokens.admin)).send({ requestType: null, urgency: null, category: null, rules }).expect(200);
    const next = await dispatched(bj('2026-11-24T09:00:00'));
    expect(deadline(await order(next), 'sign').dueAt).toBe(bj('2026-11-26T17:30:00').toISOString());
  });

  test("a package upgrade's new year is seeded at start-up; a year with rows, an administrator's edits included, is left as it is", async () => {
    // A database seeded before the package held 2026, whose 2025 an administrator edited.
    await t.db.write((m) => m.query(`DELETE FROM calendar_days WHERE day >= '2026-01-01' AND day < '2027-01-01'`));
    await t.http.delete('/api/v1/calendar/2025-10-08').set(bearer(tokens.admin)).expect(200);
    await t.http.put('/api/v1/calendar/2025-12-31').set(bearer(tokens.admin)).send({ kind: 'holiday', name: '区内调整' }).expect(200);
    const calendar = async (from: string, to: string) => (await t.http.get(`/api/v1/calendar?from=${from}&to=${to}`).set(bearer(tokens.operator))).body as { date: string; kind: string; name: string }[];
    expect(await calendar('2026-01-01', '2026-12-31')).toEqual([]);
    await t.app.services.deadlines.seed();
    expect(await calendar('2026-01-01', '2026-12-31')).toEqual(holidaysFromPackage(2026, 2026).map((d) => ({ ...d, provisional: false })));
    const y2025 = await calendar('2025-01-01', '2025-12-31');
    expect(y2025.map((d) => d.date)).not.toContain('2025-10-08');
    expect(y2025).toContainEqual({ date: '2025-12-31', kind: 'holiday', name: '区内调整', provisional: false });
    expect(y2025).toHaveLength(holidaysFromPackage(2025, 2025).length);
    await t.app.services.deadlines.seed();
    expect(await calendar('2025-01-01', '2026-12-31')).toHaveLength(y2025.length + holidaysFromPackage(2026, 2026).length);
  });

  test('a holiday added after an order went overdue moves its next urge and its escalation by a working day', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    // Signing was due Friday 20th: urged once now, again five working days on (Dec 1), escalated five working days late (Nov 27, 17:30).
    const id = await dispatched(bj('2026-11-19T09:00:00'));
    await t.jobs.settled();
    expect(deadline(await order(id), 'sign').urgeCount).toBe(1);
    const set = await t.http.put('/api/v1/calendar/2026-11-26').set(bearer(tokens.admin)).send({ kind: 'holiday', name: '临时调整' });
    expect(set.status).toBe(200);
    // Sign (urge and escalation), reply and close.
    expect(set.body.recomputed).toBe(3);
    await sweepAt(bj('2026-11-27T17:45:00'));
    expect(await openSlips()).toEqual([]);
    await sweepAt(bj('2026-11-30T17:30:00'));
    expect(await openSlips()).toHaveLength(1);
    await sweepAt(bj('2026-12-01T09:00:00'));
    expect(deadline(await order(id), 'sign').urgeCount).toBe(1);
    await sweepAt(bj('2026-12-02T09:00:00'));
    expect(deadline(await order(id), 'sign').urgeCount).toBe(2);
  });
});

describe(`director supervision slips (${storage})`, () => {
  test('a commander raises a slip; the unit notes progress, the chief calls back, the result goes in; only a commander closes it', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const id = await dispatched(bj('2026-11-24T09:00:00'));
    const raised = await t.http.post('/api/v1/supervision-slips').set(bearer(tokens.commander)).send({ orderIds: [id], reason: '群众反映强烈,局长批示督办' });
    expect(raised.status).toBe(201);
    const slip = raised.body;
    expect(slip).toMatchObject({ trigger: 'commander', state: 'open', leadName: '办公室主任', handlerName: '综合行政执法局主要负责人', unit: { code: 'CQ-CG' } });
    expect(slip.dueAt).toBe(bj('2026-12-01T17:30:00').toISOString());
    const url = `/api/v1/supervision-slips/${slip.id}`;
    await t.http.post(`${url}/progress`).set(bearer(units['CQ-CG'])).send({ text: '已约谈摊主' }).expect(200);
    expect((await t.http.post(`${url}/result`).set(bearer(units['CQ-CG'])).send({ text: '已取缔' })).body.code).toBe('chief_callback_missing');
    await t.http.post(`${url}/chief-callback`).set(bearer(units['CQ-CG'])).send({ calledAt: bj('2026-11-25T10:00:00').toISOString(), satisfaction: 'satisfied', text: '群众表示满意' }).expect(200);
    await t.http.post(`${url}/result`).set(bearer(units['CQ-CG'])).send({ text: '已取缔,现场恢复正常' }).expect(200);
    expect((await t.http.post(`${url}/close`).set(bearer(tokens.operator)).send({ text: '同意' })).status).toBe(403);
    expect((await t.http.post(`${url}/close`).set(bearer(units['CQ-CG'])).send({ text: '同意' })).status).toBe(403);
    const closed = await t.http.post(`${url}/close`).set(bearer(tokens.commander)).send({ text: '同意办结' });
    expect(closed.body).toMatchObject({ state: 'closed', closedBy: expect.any(String) });
    expect(closed.body.notes.map((n: { kind: string }) => n.kind)).toEqual(['progress', 'chief_callback', 'result', 'sign_off']);
    expect((await events(id)).some((e) => e.action === 'escalate')).toBe(true);
  });

  test('marking an order difficult raises one slip; commanders list open slips by deadline and by unit; other units see none', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const a = await dispatched(bj('2026-11-24T09:00:00'), 'CQ-CG');
    const b = await dispatched(bj('2026-11-24T09:00:00'), 'CQ-ZJ');
    await t.http.post(`/api/v1/work-orders/${a}/mark-difficult`).set(bearer(tokens.operator)).send({ reason: '涉及多部门,历史遗留' }).expect(200);
    expect((await t.http.post(`/api/v1/work-orders/${a}/mark-difficult`).set(bearer(tokens.operator)).send({ reason: '再次' })).body.code).toBe('already_difficult');
    await t.http.post('/api/v1/supervision-slips').set(bearer(tokens.commander)).send({ orderIds: [b], reason: '督办', workingDays: 1 }).expect(201);
    const byDue = (await t.http.get('/api/v1/supervision-slips?state=open').set(bearer(tokens.commander))).body;
    expect(byDue.map((s: { trigger: string }) => s.trigger)).toEqual(['commander', 'difficult']);
    const byUnit = (await t.http.get('/api/v1/supervision-slips?sort=unit').set(bearer(tokens.commander))).body;
    expect(byUnit.map((s: { unit: { code: string } }) => s.unit.code)).toEqual(['CQ-CG', 'CQ-ZJ']);
    const numbers = byDue.map((s: { number: string }) => s.number).sort();
    expect(new Set(numbers).size).toBe(2);
    const wenchang = await t.token('unit', 'CQ-PS-WENCHANG');
    expect((await t.http.get('/api/v1/supervision-slips').set(bearer(wenchang))).body).toEqual([]);
    expect((await t.http.get(`/api/v1/supervision-slips/${byDue[0].id}`).set(bearer(wenchang))).status).toBe(404);
    expect((await t.http.post('/api/v1/supervision-slips').set(bearer(tokens.operator)).send({ orderIds: [a], reason: 'x' })).status).toBe(403);
  });

  test('a redo that fails raises a slip: the second reopening of one order', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    const id = await dispatched(bj('2026-11-24T09:00:00'));
    const walk = async () => {
      await t.http.post(`/api/v1/work-orders/${id}/sign`).set(bearer(units['CQ-CG'])).send({}).expect(200);
      await t.http.post(`/api/v1/work-orders/${id}/reply`).set(bearer(units['CQ-CG'])).send({ result: 'resolved', text: '已处理' }).expect(200);
      await t.http.post(`/api/v1/work-orders/${id}/reopen`).set(bearer(tokens.operator)).send({ reason: '回访不满意' }).expect(200);
    };
    await walk();
    expect((await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander))).body).toHaveLength(0);
    await walk();
    const slips = (await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander))).body;
    expect(slips.map((s: { trigger: string }) => s.trigger)).toEqual(['redo_failed']);
  });

  test('repeats about one source beyond the setting raise one slip on the original', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    await t.http.put('/api/v1/settings/supervision.repeatThreshold').set(bearer(tokens.admin)).send({ value: 2 }).expect(200);
    expect((await t.http.put('/api/v1/settings/supervision.repeatThreshold').set(bearer(tokens.admin)).send({ value: 0 })).body.code).toBe('invalid_setting');
    expect((await t.http.put('/api/v1/settings/no.such.setting').set(bearer(tokens.admin)).send({ value: 1 })).status).toBe(404);
    const original = await dispatched(bj('2026-11-24T09:00:00'));
    for (let i = 0; i < 3; i++) {
      const repeat = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt: t.clock.now().toISOString() })).expect(201);
      await t.http.post(`/api/v1/work-orders/${repeat.body.id}/merge`).set(bearer(tokens.operator)).send({ originalId: original }).expect(200);
    }
    const slips = (await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander))).body;
    expect(slips.map((s: { trigger: string; orders: { id: string }[] }) => [s.trigger, s.orders[0].id])).toEqual([['repeats', original]]);
  });

  test('repeats merged into an order follow it into the original and count towards its slip', async () => {
    t.clock.set(bj('2026-11-24T10:00:00'));
    await t.http.put('/api/v1/settings/supervision.repeatThreshold').set(bearer(tokens.admin)).send({ value: 2 }).expect(200);
    const original = await dispatched(bj('2026-11-24T09:00:00'));
    const take = async () => (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt: t.clock.now().toISOString() })).expect(201)).body.id as string;
    const first = await take();
    const second = await take();
    // An operator gathers the second call under the first, then finds the dispatched original.
    await t.http.post(`/api/v1/work-orders/${second}/merge`).set(bearer(tokens.operator)).send({ originalId: first }).expect(200);
    expect((await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander))).body).toEqual([]);
    await t.http.post(`/api/v1/work-orders/${first}/merge`).set(bearer(tokens.operator)).send({ originalId: original }).expect(200);
    expect((await t.http.get(`/api/v1/work-orders/${second}`).set(bearer(tokens.operator))).body.mergedIntoId).toBe(original);
    const slips = (await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander))).body;
    expect(slips.map((s: { trigger: string; orders: { id: string }[] }) => [s.trigger, s.orders[0].id])).toEqual([['repeats', original]]);
  });

  test('a slip over an order no unit holds is refused', async () => {
    const created = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody()).expect(201);
    const res = await t.http.post('/api/v1/supervision-slips').set(bearer(tokens.commander)).send({ orderIds: [created.body.id], reason: '督办' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('slip_needs_one_unit');
  });
});
