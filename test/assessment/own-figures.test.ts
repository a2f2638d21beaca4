import { bearer, intakeBody, storage, useTestApp } from '../support/app';

const { t, tokens, units } = useTestApp({
  roles: ['operator', 'commander'],
  units: ['CQ-PS-WENCHANG', 'CQ-PS-PINGAN', 'CQ-CG'],
  settings: { 'assessment.minOrders': 1, 'assessment.minCallbacks': 1 },
});

const bj = (local: string) => new Date(`${local}+08:00`);
const act = (token: string, id: string, action: string, body: object = {}) => t.http.post(`/api/v1/work-orders/${id}/${action}`).set(bearer(token)).send(body);

/** An order of `unit` received on 1 July, replied, closed and called back with `result`. */
async function handled(unit: string, result: string) {
  t.clock.set(bj('2026-07-01T09:00:00'));
  const { id } = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt: bj('2026-07-01T09:00:00').toISOString() })).expect(201)).body;
  await act(tokens.operator, id, 'dispatch', { leadUnitCode: unit }).expect(200);
  await act(units[unit], id, 'sign').expect(200);
  t.clock.set(bj('2026-07-01T11:00:00'));
  await act(units[unit], id, 'reply', { result: 'resolved', text: '已处理' }).expect(200);
  await act(tokens.operator, id, 'close').expect(200);
  const pending = (await t.http.get('/api/v1/callbacks?state=pending').set(bearer(tokens.operator)).expect(200)).body as { id: string; workOrder: { id: string } }[];
  const callback = pending.find((c) => c.workOrder.id === id)!;
  await t.http.post(`/api/v1/callbacks/${callback.id}/attempts`).set(bearer(tokens.operator)).send({ result, unitFault: result === 'unsatisfied' ? false : undefined }).expect(200);
}

describe(`a unit's own month (${storage})`, () => {
  test("a station reads its own reply, closure and satisfaction rates, score and rank, as the ranking counts them", async () => {
    await handled('CQ-PS-WENCHANG', 'satisfied');
    await handled('CQ-PS-PINGAN', 'unsatisfied');
    t.clock.set(bj('2026-08-03T09:00:00'));
    const ranking = (await t.http.get('/api/v1/reports/rankings?month=2026-07').set(bearer(tokens.commander)).expect(200)).body;
    const row = ranking.units.find((u: { unitCode: string }) => u.unitCode === 'CQ-PS-PINGAN');

    const own = (await t.http.get('/api/v1/reports/own?month=2026-07').set(bearer(units['CQ-PS-PINGAN'])).expect(200)).body;
    expect(own).toMatchObject({ month: '2026-07', final: true, rankedUnits: 2, rankedKind: true, praised: false, criticised: true });
    expect(own.unit).toEqual(row);
    expect(own.unit).toMatchObject({ unitCode: 'CQ-PS-PINGAN', replyRate: 1, closureRate: 1, satisfactionRate: 0, rank: 2 });
    // Nothing of another unit's figures is in the answer.
    expect(JSON.stringify(own)).not.toContain('CQ-PS-WENCHANG');
  });

  test("a station cannot read the ranking, nor another unit's row, nor ask for a unit", async () => {
    await handled('CQ-PS-WENCHANG', 'satisfied');
    const station = units['CQ-PS-PINGAN'];
    expect((await t.http.get('/api/v1/reports/rankings?month=2026-07').set(bearer(station)).expect(403)).body.code).toBe('forbidden');
    await t.http.get('/api/v1/reports/rankings.xlsx?month=2026-07').set(bearer(station)).expect(403);
    await t.http.get('/api/v1/reports/bulletin?month=2026-07').set(bearer(station)).expect(403);
    expect((await t.http.get('/api/v1/reports/own?month=2026-07&unit=CQ-PS-WENCHANG').set(bearer(station)).expect(400)).body.code).toBe('validation_failed');
    const own = (await t.http.get('/api/v1/reports/own?month=2026-07').set(bearer(station)).expect(200)).body;
    expect(own.unit).toMatchObject({ unitCode: 'CQ-PS-PINGAN', replyDue: 0, ranked: false });
    // The ranking's readers are not units: the page is theirs only.
    await t.http.get('/api/v1/reports/own').set(bearer(tokens.commander)).expect(403);
  });

  test('a partner agency sees its rates unranked, and the current month is marked as not over', async () => {
    await handled('CQ-CG', 'satisfied');
    t.clock.set(bj('2026-07-20T09:00:00'));
    const own = (await t.http.get('/api/v1/reports/own').set(bearer(units['CQ-CG'])).expect(200)).body;
    expect(own).toMatchObject({ month: '2026-07', final: false, rankedKind: false });
    expect(own.unit).toMatchObject({ unitCode: 'CQ-CG', replyDue: 1, replyRate: 1, satisfactionRate: 1, rank: null, score: null });
  });

  test('a month that is not a month is refused with a problem', async () => {
    const res = await t.http.get('/api/v1/reports/own?month=2026-13').set(bearer(units['CQ-PS-PINGAN'])).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});
