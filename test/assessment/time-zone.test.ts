import { bearer, intakeBody, storage, useTestApp } from '../support/app';

/**
 * The bureau's time zone held end to end (issue 11, item 9): a bureau in New York counts its
 * months, deadlines and trends in New York time, not in China Standard Time nor in UTC.
 */
const { t, tokens, units } = useTestApp({
  config: { TZ_BUREAU: 'America/New_York' },
  roles: ['operator', 'commander', 'admin'],
  units: ['CQ-PS-WENCHANG'],
  settings: { 'assessment.minOrders': 1, 'assessment.minCallbacks': 1 },
});

/** New York summer time (EDT, UTC−4). */
const ny = (local: string) => new Date(`${local}-04:00`);
const act = (token: string, id: string, action: string, body: object = {}) => t.http.post(`/api/v1/work-orders/${id}/${action}`).set(bearer(token)).send(body);
const ranking = async (month: string) =>
  ((await t.http.get(`/api/v1/reports/rankings?month=${month}`).set(bearer(tokens.commander)).expect(200)).body.units as Record<string, unknown>[]).find((u) => u.unitCode === 'CQ-PS-WENCHANG');
const check = async (month: string) => (await t.http.get(`/api/v1/reports/rankings/check?month=${month}`).set(bearer(tokens.commander)).expect(200)).body;

/**
 * A consultation received on Thursday 30 July 2026 in New York, replied on Friday 31 July, and
 * called back at 22:00 that Friday: 02:00 on 1 August in UTC, 10:00 on 1 August in Shanghai.
 */
async function julyInNewYork(): Promise<string> {
  t.clock.set(ny('2026-07-30T10:00:00'));
  const body = intakeBody({ requestType: 'consultation', receivedAt: ny('2026-07-30T10:00:00').toISOString() });
  const { id } = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(body).expect(201)).body;
  await act(tokens.operator, id, 'dispatch', { leadUnitCode: 'CQ-PS-WENCHANG' }).expect(200);
  await act(units['CQ-PS-WENCHANG'], id, 'sign').expect(200);
  t.clock.set(ny('2026-07-31T11:00:00'));
  await act(units['CQ-PS-WENCHANG'], id, 'reply', { result: 'resolved', text: '已答复' }).expect(200);
  t.clock.set(ny('2026-07-31T22:00:00'));
  const pending = (await t.http.get('/api/v1/callbacks?state=pending').set(bearer(tokens.operator)).expect(200)).body as { id: string; workOrder: { id: string } }[];
  const callback = pending.find((c) => c.workOrder.id === id)!;
  await t.http.post(`/api/v1/callbacks/${callback.id}/attempts`).set(bearer(tokens.operator)).send({ result: 'satisfied' }).expect(200);
  return id;
}

describe(`the bureau's time zone (${storage}, TZ_BUREAU=America/New_York)`, () => {
  test('a reply due and a callback made late on 31 July in New York count in July, though it is already August in UTC and in Shanghai', async () => {
    const id = await julyInNewYork();
    // One working day from the day after receipt, at close of business in New York.
    const order = (await t.http.get(`/api/v1/work-orders/${id}`).set(bearer(tokens.operator)).expect(200)).body;
    const reply = order.deadlines.find((d: { milestone: string }) => d.milestone === 'reply');
    expect(reply.dueAt).toBe(ny('2026-07-31T17:30:00').toISOString());

    expect(await ranking('2026-07')).toMatchObject({ replyDue: 1, repliedOnTime: 1, callbacksMade: 1 });
    expect(await ranking('2026-08')).toMatchObject({ replyDue: 0, callbacksMade: 0 });
    expect(await check('2026-07')).toMatchObject({ agrees: true });
    expect(await check('2026-08')).toMatchObject({ agrees: true });
    // The bulletin tells when it was made by the bureau's clock.
    const bulletin = (await t.http.get('/api/v1/reports/bulletin?month=2026-07').set(bearer(tokens.commander)).expect(200)).text;
    expect(bulletin).toContain('生成时间 2026-07-31 22:00');
  });

  test("the trends count an order received at 23:00 on 31 July in New York in July", async () => {
    t.clock.set(ny('2026-07-31T23:00:00'));
    await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt: ny('2026-07-31T23:00:00').toISOString() })).expect(201);
    const trends = (await t.http.get('/api/v1/reports/trends?from=2026-07&to=2026-08').set(bearer(tokens.commander)).expect(200)).body;
    expect(trends.byCategory).toEqual([expect.objectContaining({ counts: [1, 0], total: 1 })]);
  });

  test('tallies counted in another zone are rebuilt in the configured one when the service starts', async () => {
    await julyInNewYork();
    // As if the database had been counting in China Standard Time until now.
    await t.db.write((m) => m.query(`UPDATE bureau_time SET time_zone = 'Asia/Shanghai'`));
    await t.http.post('/api/v1/reports/tallies/rebuild').set(bearer(tokens.admin)).expect(200);
    expect(await ranking('2026-07')).toMatchObject({ callbacksMade: 0 });

    expect(await t.app.services.assessment.adoptTimeZone()).toEqual({ timeZone: 'America/New_York', previous: 'Asia/Shanghai', rebuilt: true });
    expect(await ranking('2026-07')).toMatchObject({ replyDue: 1, callbacksMade: 1 });
    expect(await t.app.services.assessment.adoptTimeZone()).toMatchObject({ rebuilt: false });
  });

  test('what administrators change carries the time of the injected clock', async () => {
    t.clock.set('2026-07-31T12:00:00Z');
    await t.http.put('/api/v1/settings/callbacks.delayHours').set(bearer(tokens.admin)).send({ value: 12 }).expect(200);
    const settings = (await t.http.get('/api/v1/settings').set(bearer(tokens.admin)).expect(200)).body as { key: string; updatedAt: string }[];
    expect(settings.find((s) => s.key === 'callbacks.delayHours')?.updatedAt).toBe('2026-07-31T12:00:00.000Z');
    const unit = (await t.http.patch('/api/v1/units/CQ-PS-WENCHANG').set(bearer(tokens.admin)).send({ name: '文昌派出所' }).expect(200)).body;
    expect(unit.updatedAt).toBe('2026-07-31T12:00:00.000Z');
  });
});
