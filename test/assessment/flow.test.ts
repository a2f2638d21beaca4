import ExcelJS from 'exceljs';
import { bearer, intakeBody, storage, useTestApp } from '../support/app';

const { t, tokens, units } = useTestApp({
  roles: ['operator', 'commander', 'admin'],
  units: ['CQ-PS-WENCHANG', 'CQ-PS-PINGAN'],
  settings: { 'assessment.minOrders': 1, 'assessment.minCallbacks': 1 },
});

const bj = (local: string) => new Date(`${local}+08:00`);
const act = (token: string, id: string, action: string, body: object = {}) => t.http.post(`/api/v1/work-orders/${id}/${action}`).set(bearer(token)).send(body);

/** An order received, dispatched and signed at `at`, replied at `replyAt`, closed at `closeAt` (Beijing times). */
async function handled(unit: string, at: string, replyAt: string, closeAt?: string): Promise<string> {
  t.clock.set(bj(at));
  const { id } = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt: bj(at).toISOString() })).expect(201)).body;
  await act(tokens.operator, id, 'dispatch', { leadUnitCode: unit }).expect(200);
  await act(units[unit], id, 'sign').expect(200);
  t.clock.set(bj(replyAt));
  await act(units[unit], id, 'reply', { result: 'resolved', text: '已处理' }).expect(200);
  if (closeAt) {
    t.clock.set(bj(closeAt));
    await act(tokens.operator, id, 'close').expect(200);
  }
  return id;
}

async function callbackOf(orderId: string) {
  const list = (await t.http.get('/api/v1/callbacks?state=pending').set(bearer(tokens.operator)).expect(200)).body as { id: string; workOrder: { id: string }; cycle: number }[];
  return list.find((c) => c.workOrder.id === orderId)!;
}

/** Records a call on the order's pending callback at a Beijing time; the response must have `status`. */
async function call(orderId: string, at: string, body: object, status = 200) {
  t.clock.set(bj(at));
  const callback = await callbackOf(orderId);
  return t.http.post(`/api/v1/callbacks/${callback.id}/attempts`).set(bearer(tokens.operator)).send(body).expect(status);
}

const ranking = async (query: string) => (await t.http.get(`/api/v1/reports/rankings?${query}`).set(bearer(tokens.commander)).expect(200)).body;
const unit = (report: { units: { unitCode: string }[] }, code: string) => report.units.find((u) => u.unitCode === code) as Record<string, unknown>;

describe(`callbacks (${storage})`, () => {
  test('a reply opens a callback; an unsatisfied result the unit caused reopens the order as a redo, and a failed redo raises a supervision slip', async () => {
    const id = await handled('CQ-PS-WENCHANG', '2026-07-01T09:00:00', '2026-07-01T11:00:00');
    const first = await callbackOf(id);
    expect(first).toMatchObject({ cycle: 1, state: 'pending', unit: { code: 'CQ-PS-WENCHANG' }, dueAt: bj('2026-07-02T11:00:00').toISOString() });
    expect((await call(id, '2026-07-02T10:00:00', { result: 'unsatisfied' }, 422)).body.code).toBe('unit_fault_required');
    const done = await call(id, '2026-07-02T10:00:00', { result: 'unsatisfied', unitFault: true, notes: '未到现场核实' });
    expect(done.body).toMatchObject({ state: 'done', satisfaction: 'unsatisfied', unitFault: true });
    const redo = (await t.http.get(`/api/v1/work-orders/${id}`).set(bearer(tokens.operator))).body;
    expect(redo.state).toBe('reopened');
    expect(redo.deadlines.filter((d: { milestone: string; state: string }) => d.milestone === 'reply' && d.state === 'open')).toHaveLength(1);
    expect((await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander))).body).toEqual([]);

    await act(units['CQ-PS-WENCHANG'], id, 'sign').expect(200);
    await act(units['CQ-PS-WENCHANG'], id, 'reply', { result: 'resolved', text: '已到现场处理' }).expect(200);
    expect((await callbackOf(id)).cycle).toBe(2);
    await call(id, '2026-07-03T10:00:00', { result: 'very_unsatisfied', unitFault: true });
    const slips = (await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander))).body;
    expect(slips).toEqual([expect.objectContaining({ trigger: 'redo_failed', unit: expect.objectContaining({ code: 'CQ-PS-WENCHANG' }) })]);
    const actions = (await t.http.get(`/api/v1/work-orders/${id}/events`).set(bearer(tokens.operator))).body.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'callback')).toHaveLength(2);
  });

  test('a redo the citizen is still unsatisfied with raises a supervision slip, whoever was at fault the second time', async () => {
    const id = await handled('CQ-PS-WENCHANG', '2026-07-01T09:00:00', '2026-07-01T11:00:00');
    await call(id, '2026-07-02T10:00:00', { result: 'unsatisfied', unitFault: true });
    await act(units['CQ-PS-WENCHANG'], id, 'sign').expect(200);
    await act(units['CQ-PS-WENCHANG'], id, 'reply', { result: 'explained', text: '已解释政策' }).expect(200);
    await call(id, '2026-07-03T10:00:00', { result: 'unsatisfied', unitFault: false, notes: '诉求超出政策范围' });
    expect((await t.http.get(`/api/v1/work-orders/${id}`).set(bearer(tokens.operator))).body.state).toBe('replied');
    const slips = (await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander))).body;
    expect(slips).toEqual([expect.objectContaining({ trigger: 'redo_failed', unit: expect.objectContaining({ code: 'CQ-PS-WENCHANG' }) })]);
  });

  test('an unsatisfied first callback the unit did not cause raises no slip', async () => {
    const id = await handled('CQ-PS-WENCHANG', '2026-07-01T09:00:00', '2026-07-01T11:00:00');
    await call(id, '2026-07-02T10:00:00', { result: 'very_unsatisfied', unitFault: false });
    expect((await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander))).body).toEqual([]);
  });

  test('an unreachable citizen is tried again up to the setting, then counted apart', async () => {
    await t.http.put('/api/v1/settings/callbacks.maxAttempts').set(bearer(tokens.admin)).send({ value: 2 }).expect(200);
    const id = await handled('CQ-PS-WENCHANG', '2026-07-01T09:00:00', '2026-07-01T11:00:00', '2026-07-01T12:00:00');
    expect((await call(id, '2026-07-02T10:00:00', { result: 'unreachable' })).body).toMatchObject({ state: 'pending', attempts: [{ result: 'unreachable' }] });
    const last = (await call(id, '2026-07-02T15:00:00', { result: 'unreachable' })).body;
    expect(last).toMatchObject({ state: 'unreachable', satisfaction: null });
    const again = await t.http.post(`/api/v1/callbacks/${last.id}/attempts`).set(bearer(tokens.operator)).send({ result: 'satisfied' });
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'callback_closed' });
    expect(unit(await ranking('month=2026-07'), 'CQ-PS-WENCHANG')).toMatchObject({ callbacksMade: 1, unreachable: 1, successfulCallbacks: 0, satisfactionRate: null, ranked: false });
  });
});

describe(`the monthly assessment (${storage})`, () => {
  /** 文昌: two orders on time, both satisfied. 平安: one on time and satisfied, one late and unsatisfied (not its fault). */
  async function july() {
    const a1 = await handled('CQ-PS-WENCHANG', '2026-07-01T09:00:00', '2026-07-01T11:00:00', '2026-07-01T12:00:00');
    const a2 = await handled('CQ-PS-WENCHANG', '2026-07-02T09:00:00', '2026-07-02T11:00:00', '2026-07-02T12:00:00');
    const b1 = await handled('CQ-PS-PINGAN', '2026-07-01T09:00:00', '2026-07-01T11:00:00', '2026-07-01T12:00:00');
    const b2 = await handled('CQ-PS-PINGAN', '2026-07-01T09:00:00', '2026-07-20T11:00:00', '2026-07-20T12:00:00');
    await call(a1, '2026-07-21T10:00:00', { result: 'very_satisfied' });
    await call(a2, '2026-07-21T10:00:00', { result: 'basically_satisfied' });
    await call(b1, '2026-07-21T10:00:00', { result: 'satisfied' });
    await call(b2, '2026-07-21T10:00:00', { result: 'unsatisfied', unitFault: false });
    return { a1, a2, b1, b2 };
  }

  test('a hand-computed month: rates, ranking, a unit with no orders listed but not ranked, praise and criticism', async () => {
    await july();
    const report = await ranking('month=2026-07');
    expect(unit(report, 'CQ-PS-WENCHANG')).toMatchObject({ rank: 1, replyDue: 2, repliedOnTime: 2, replyRate: 1, closureRate: 1, satisfactionRate: 1, score: 100 });
    // 平安: 0.3 × 0.5 + 0.3 × 0.5 + 0.4 × 0.5 = 50.
    expect(unit(report, 'CQ-PS-PINGAN')).toMatchObject({ rank: 2, replyDue: 2, repliedOnTime: 1, replyRate: 0.5, closureRate: 0.5, satisfactionRate: 0.5, score: 50 });
    expect(unit(report, 'CQ-PS-GUIDE')).toMatchObject({ ranked: false, rank: null, notRankedBecause: 'no orders in the period' });
    expect(report.consequences).toMatchObject({ praised: ['CQ-PS-WENCHANG'], criticised: 'CQ-PS-PINGAN' });
    expect(report.units.slice(0, 2).map((u: { unitCode: string }) => u.unitCode)).toEqual(['CQ-PS-WENCHANG', 'CQ-PS-PINGAN']);
    expect((await t.http.get('/api/v1/reports/rankings/check?month=2026-07').set(bearer(tokens.commander))).body).toEqual({ period: '2026-07', agrees: true, differences: [] });
  });

  test('an approved exemption takes the order out of the unit\'s figures; the tie that follows is broken by callbacks', async () => {
    const { b1, b2 } = await july();
    const asked = await t.http.post(`/api/v1/work-orders/${b2}/exemptions`).set(bearer(units['CQ-PS-PINGAN'])).send({ reason: '诉求人要求不合理,超出法定职责' }).expect(201);
    const twice = await t.http.post(`/api/v1/work-orders/${b2}/exemptions`).set(bearer(units['CQ-PS-PINGAN'])).send({ reason: '再次申请' });
    expect(twice.body.code).toBe('exemption_exists');
    expect((await t.http.post(`/api/v1/work-orders/${b2}/exemptions`).set(bearer(units['CQ-PS-WENCHANG'])).send({ reason: '不是我的' })).status).toBe(404);
    const race = await Promise.all([1, 2].map(() => t.http.post(`/api/v1/work-orders/${b1}/exemptions`).set(bearer(units['CQ-PS-PINGAN'])).send({ reason: '同时提交' })));
    expect(race.map((r) => r.status).sort()).toEqual([201, 409]);
    await t.http.post(`/api/v1/exemptions/${asked.body.id}/approve`).set(bearer(tokens.operator)).send({ note: '同意核减' }).expect(200);
    const report = await ranking('month=2026-07');
    expect(unit(report, 'CQ-PS-PINGAN')).toMatchObject({ replyDue: 1, replyRate: 1, closureRate: 1, satisfactionRate: 1, score: 100, rank: 2 });
    expect(unit(report, 'CQ-PS-WENCHANG')).toMatchObject({ score: 100, rank: 1, successfulCallbacks: 2 });
    expect(report.consequences.praised).toEqual(['CQ-PS-WENCHANG', 'CQ-PS-PINGAN']);
    expect((await t.http.get('/api/v1/reports/rankings/check?month=2026-07').set(bearer(tokens.commander))).body.agrees).toBe(true);
    const decided = await t.http.post(`/api/v1/exemptions/${asked.body.id}/refuse`).set(bearer(tokens.operator)).send({});
    expect(decided.body.code).toBe('exemption_decided');
  });

  test('an exempted order stays out of the unit\'s figures when the unit gets it back as a redo', async () => {
    const id = await handled('CQ-PS-PINGAN', '2026-07-01T09:00:00', '2026-07-01T11:00:00');
    const asked = await t.http.post(`/api/v1/work-orders/${id}/exemptions`).set(bearer(units['CQ-PS-PINGAN'])).send({ reason: '诉求人要求不合理' }).expect(201);
    await t.http.post(`/api/v1/exemptions/${asked.body.id}/approve`).set(bearer(tokens.operator)).send({}).expect(200);
    await call(id, '2026-07-02T10:00:00', { result: 'unsatisfied', unitFault: true });
    t.clock.set(bj('2026-07-06T10:00:00'));
    await act(units['CQ-PS-PINGAN'], id, 'sign').expect(200);
    await act(units['CQ-PS-PINGAN'], id, 'reply', { result: 'resolved', text: '重办完毕' }).expect(200);
    const report = await ranking('month=2026-07');
    expect(unit(report, 'CQ-PS-PINGAN')).toMatchObject({ replyDue: 0, closeDue: 0, callbacksMade: 0, ranked: false });
    expect((await t.http.get('/api/v1/reports/rankings/check?month=2026-07').set(bearer(tokens.commander))).body.agrees).toBe(true);
  });

  test('a unit excellent in three quarters of a year is rewarded at the year\'s end; one excellent twice is not', async () => {
    await t.http.put('/api/v1/settings/assessment.excellentPerQuarter').set(bearer(tokens.admin)).send({ value: 1 }).expect(200);
    // 文昌 leads in February, May and August; 平安 only in November.
    for (const [month, best] of [['02', 'CQ-PS-WENCHANG'], ['05', 'CQ-PS-WENCHANG'], ['08', 'CQ-PS-WENCHANG'], ['11', 'CQ-PS-PINGAN']] as const) {
      for (const code of ['CQ-PS-WENCHANG', 'CQ-PS-PINGAN']) {
        const late = code !== best;
        const id = await handled(code, `2026-${month}-03T09:00:00`, `2026-${month}-${late ? '25' : '03'}T11:00:00`, `2026-${month}-${late ? '25' : '03'}T12:00:00`);
        await call(id, `2026-${month}-26T10:00:00`, late ? { result: 'unsatisfied', unitFault: false } : { result: 'very_satisfied' });
      }
    }
    const year = await ranking('year=2026');
    expect(year.consequences.excellent).toEqual(['CQ-PS-PINGAN', 'CQ-PS-WENCHANG']);
    expect(year.consequences.yearlyRewarded).toEqual(['CQ-PS-WENCHANG']);
    expect((await ranking('quarter=2026-Q4')).consequences.excellent).toEqual(['CQ-PS-PINGAN']);
  });

  test('the trends count noise and dog complaints from the text, whatever the platform category, and where they come from', async () => {
    const at = bj('2026-07-05T10:00:00').toISOString();
    for (const [content, category] of [['楼下广场舞音响太吵,晚上十点还在跳', '噪音'], ['邻居家的狗整夜叫个不停', undefined], ['物业乱收停车费', undefined]] as const) {
      await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ content, category, receivedAt: at, address: '长清区文昌街道幸福小区3号楼' })).expect(201);
    }
    const trends = (await t.http.get('/api/v1/reports/trends?from=2026-06&to=2026-07').set(bearer(tokens.commander)).expect(200)).body;
    expect(trends.byMatter).toHaveLength(2);
    expect(trends.byMatter).toEqual(expect.arrayContaining([{ matter: '噪音扰民', counts: [0, 1], total: 1 }, { matter: '不文明养犬', counts: [0, 1], total: 1 }]));
    expect(trends.noiseHotSpots).toEqual([{ place: '文昌街道幸福小区', counts: [0, 2], total: 2 }]);
    expect(trends.byCategory).toEqual(expect.arrayContaining([{ category: '未分类', counts: [0, 2], total: 2 }, { category: '噪音', counts: [0, 1], total: 1 }]));
  });

  test('the quarter and the year add up their months; bad periods are refused', async () => {
    await july();
    const quarter = await ranking('quarter=2026-Q3');
    expect(unit(quarter, 'CQ-PS-PINGAN')).toMatchObject({ replyDue: 2, score: 50 });
    expect(quarter.consequences.excellent).toEqual(['CQ-PS-WENCHANG', 'CQ-PS-PINGAN']);
    const year = await ranking('year=2026');
    expect(year.consequences).toMatchObject({ excellent: ['CQ-PS-PINGAN', 'CQ-PS-WENCHANG'], yearlyRewarded: [] });
    for (const query of ['month=2026-13', 'month=2026-07&year=2026', '']) {
      const res = await t.http.get(`/api/v1/reports/rankings?${query}`).set(bearer(tokens.commander));
      expect(res.status).toBe(400);
      expect(res.type).toBe('application/problem+json');
    }
  });

  test('the spreadsheet opens and holds the figures under Chinese headings', async () => {
    await july();
    const res = await t.http
      .get('/api/v1/reports/rankings.xlsx?month=2026-07')
      .set(bearer(tokens.commander))
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.body);
    const sheet = book.getWorksheet('排名')!;
    expect(sheet.getRow(2).values).toEqual(expect.arrayContaining(['名次', '单位', '回复率', '办结率', '满意率', '综合得分']));
    const row = (name: string) => sheet.getRows(3, sheet.rowCount)!.find((r) => r.getCell(2).value === name)!;
    expect(row('平安派出所').getCell(1).value).toBe(2);
    expect(row('平安派出所').getCell(6).value).toBe(0.5);
    expect(row('文昌派出所').getCell(15).value).toBe(100);
    expect(book.getWorksheet('通报')!.getRow(2).getCell(2).value).toBe('文昌派出所');
  });

  test('after a random run of events the tallies equal a recomputation from the records', async () => {
    let seed = 20260701;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    const stations = ['CQ-PS-WENCHANG', 'CQ-PS-PINGAN'];
    const orders: { id: string; unit: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
      const month = pick(['06', '07']);
      t.clock.set(bj(`2026-${month}-${day}T09:00:00`));
      const { id } = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt: bj(`2026-${month}-${day}T09:00:00`).toISOString() })).expect(201)).body;
      const unitCode = pick(stations);
      await act(tokens.operator, id, 'dispatch', { leadUnitCode: unitCode }).expect(200);
      orders.push({ id, unit: unitCode });
    }
    for (let step = 0; step < 60; step++) {
      const o = pick(orders);
      t.clock.set(new Date(bj('2026-06-01T08:00:00').getTime() + random() * 75 * 86400_000));
      const other = stations.find((s) => s !== o.unit)!;
      switch (pick(['sign', 'reply', 'close', 'return', 'callback', 'exempt', 'reopen'] as const)) {
        case 'sign':
          await act(units[o.unit], o.id, 'sign');
          break;
        case 'reply':
          await act(units[o.unit], o.id, 'reply', { result: pick(['resolved', 'explained'] as const), text: '已办理' });
          break;
        case 'close':
          await act(tokens.operator, o.id, 'close');
          break;
        case 'reopen':
          await act(tokens.operator, o.id, 'reopen', { reason: '重办' });
          break;
        case 'return':
          if ((await act(units[o.unit], o.id, 'return', { reason: '非本辖区' })).status === 200) {
            await act(tokens.operator, o.id, 'approve-return', {});
            if ((await act(tokens.operator, o.id, 'dispatch', { leadUnitCode: other })).status === 200) o.unit = other;
          }
          break;
        case 'callback': {
          const c = (await t.http.get('/api/v1/callbacks?state=pending').set(bearer(tokens.operator))).body.find((x: { workOrder: { id: string } }) => x.workOrder.id === o.id);
          if (c) {
            const result = pick(['very_satisfied', 'satisfied', 'basically_satisfied', 'unsatisfied', 'unreachable'] as const);
            await t.http.post(`/api/v1/callbacks/${c.id}/attempts`).set(bearer(tokens.operator)).send({ result, unitFault: result === 'unsatisfied' ? random() < 0.5 : undefined });
          }
          break;
        }
        case 'exempt': {
          const asked = await t.http.post(`/api/v1/work-orders/${o.id}/exemptions`).set(bearer(units[o.unit])).send({ reason: '不合理诉求' });
          if (asked.status === 201) await t.http.post(`/api/v1/exemptions/${asked.body.id}/${random() < 0.6 ? 'approve' : 'refuse'}`).set(bearer(tokens.operator)).send({});
          break;
        }
      }
    }
    const check = (await t.http.get('/api/v1/reports/rankings/check?year=2026').set(bearer(tokens.commander)).expect(200)).body;
    expect(check.differences).toEqual([]);
    const [{ n }] = await t.db.read((m) => m.query(`SELECT count(*)::int AS n FROM unit_month_tallies WHERE reply_due + callbacks_made > 0`));
    expect(n).toBeGreaterThan(0);
    const before = await ranking('year=2026');
    await t.http.post('/api/v1/reports/tallies/rebuild').set(bearer(tokens.admin)).expect(200);
    expect((await ranking('year=2026')).units).toEqual(before.units);
  });
});
