import { bearer, intakeBody, storage, useTestApp } from '../support/app';

const { t, tokens } = useTestApp({ roles: ['operator', 'admin'], settings: { 'routing.autoDispatchThreshold': 0.8 } });

/** Takes an order in and waits for the routing job that follows it. */
const intake = async (content: string, address: string) => {
  const created = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ content, address })).expect(201)).body;
  await t.jobs.settled();
  return (await t.http.get(`/api/v1/work-orders/${created.id}`).set(bearer(tokens.operator))).body;
};

describe(`routing on intake (${storage})`, () => {
  test('a confident decision dispatches the order at once, recorded as the router\'s event with its reasons', async () => {
    const order = await intake('小区楼下广场舞音响太吵,晚上十点还在跳', '长清区大学路');
    expect(order).toMatchObject({ state: 'dispatched', leadUnit: { code: 'CQ-PS-DAXUELU' } });
    const events = (await t.http.get(`/api/v1/work-orders/${order.id}/events`).set(bearer(tokens.operator))).body;
    expect(events.map((e: { action: string }) => e.action)).toEqual(['create', 'dispatch']);
    expect(events[1]).toMatchObject({ actor: { name: 'router', role: 'system' } });
    expect(events[1].reason).toContain('广场舞');
  });

  test('/metrics shows new orders waiting for their routing decision and how long the oldest has waited, for an alert on stopped workers', async () => {
    const backlog = async () => {
      const text = (await t.http.get('/metrics').expect(200)).text;
      return { orders: Number(/^hotline_routing_backlog_orders (\d+)$/m.exec(text)?.[1]), oldestSeconds: Number(/^hotline_routing_backlog_oldest_seconds (\d+)$/m.exec(text)?.[1]) };
    };
    const taken = new Date();
    t.clock.set(taken);
    const order = await intake('你好,我想反映一个情况,请尽快联系我', '长清区');
    expect(await backlog()).toEqual({ orders: 0, oldestSeconds: 0 });
    // Its routing job lost (a worker killed), a minute and a half ago.
    await t.db.statement(`DELETE FROM routing_decisions WHERE work_order_id = $1`, [order.id]);
    t.clock.set(new Date(taken.getTime() + 90_000));
    expect(await backlog()).toEqual({ orders: 1, oldestSeconds: 90 });
    // The sweep queues it again, and it is routed.
    await t.app.services.routing.sweep();
    await t.jobs.settled();
    expect(await backlog()).toEqual({ orders: 0, oldestSeconds: 0 });
  });

  test('a matter in two duty lists is dispatched to the lead with the other agency assisting', async () => {
    const order = await intake('物业公司拖欠工资,农民工讨薪,物业费照收', '长清区平安街道');
    expect(order).toMatchObject({ state: 'dispatched', leadUnit: { code: 'CQ-RS' }, assistingUnits: [{ code: 'CQ-ZJ' }] });
  });

  test('an unsure decision waits in the triage queue; the operator\'s dispatch takes it out as a correction', async () => {
    const order = await intake('你好,我想反映一个情况,请尽快联系我', '长清区');
    expect(order.state).toBe('received');
    const queue = (await t.http.get('/api/v1/triage').set(bearer(tokens.operator))).body;
    expect(queue.map((i: { workOrderId: string }) => i.workOrderId)).toEqual([order.id]);
    expect(queue[0].decision).toMatchObject({ confidence: 0, leadUnitCode: null });
    await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-SD-WENCHANG' }).expect(200);
    expect((await t.http.get('/api/v1/triage').set(bearer(tokens.operator))).body).toEqual([]);
    const [row] = await t.db.read((m) => m.query(`SELECT outcome, resolved_unit_code FROM routing_decisions WHERE work_order_id = $1`, [order.id]));
    expect(row).toEqual({ outcome: 'corrected', resolved_unit_code: 'CQ-SD-WENCHANG' });
  });

  test('merging or cancelling an order in triage withdraws it from the queue; a repeat there names the order it repeats', async () => {
    const caller = { name: '赵女士', phone: '13700000009' };
    const body = (content: string) => intakeBody({ content, address: '长清区文昌街道幸福小区3号楼', citizen: caller });
    const first = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(body('幸福小区东门广场舞音响太吵,晚上十点还在跳')).expect(201)).body;
    await t.jobs.settled();
    const repeat = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(body('幸福小区东门广场舞音响太吵,晚上十点多还在跳')).expect(201)).body;
    const unclear = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ content: '你好,我想反映一个情况', address: '长清区' })).expect(201)).body;
    await t.jobs.settled();
    const queue = async () => (await t.http.get('/api/v1/triage').set(bearer(tokens.operator))).body as { workOrderId: string; repeatOf: { id: string; externalNo: string } | null }[];
    expect((await queue()).find((i) => i.workOrderId === repeat.id)?.repeatOf).toEqual({ id: first.id, externalNo: first.externalNo });
    await t.http.post(`/api/v1/work-orders/${repeat.id}/merge`).set(bearer(tokens.operator)).send({ originalId: first.id }).expect(200);
    await t.http.post(`/api/v1/work-orders/${unclear.id}/cancel`).set(bearer(tokens.operator)).send({ reason: '无效来电' }).expect(200);
    expect((await queue()).map((i) => i.workOrderId)).toEqual([]);
    const record = (await t.http.get(`/api/v1/work-orders/${repeat.id}/routing`).set(bearer(tokens.operator)).expect(200)).body;
    expect(record).toMatchObject({ workOrderId: repeat.id, outcome: 'withdrawn', resolvedUnitCode: null });
  });

  test('an order a unit gave back waits in triage again; the operator\'s new dispatch corrects the router, and the record says so', async () => {
    const order = await intake('小区楼下广场舞音响太吵,晚上十点还在跳', '长清区大学路');
    const record = (await t.http.get(`/api/v1/work-orders/${order.id}/routing`).set(bearer(tokens.operator)).expect(200)).body;
    expect(record).toMatchObject({ outcome: 'auto_dispatched', decision: { leadUnitCode: 'CQ-PS-DAXUELU', leadUnitName: '大学路派出所', police: true } });
    expect(record.decision.knowledgeVersion).toBeTruthy();
    expect(record.decision.alternatives.length).toBeGreaterThan(0);
    const station = await t.token('unit', 'CQ-PS-DAXUELU');
    await t.http.post(`/api/v1/work-orders/${order.id}/return`).set(bearer(station)).send({ reason: '地址在文昌辖区' }).expect(200);
    expect((await t.http.get('/api/v1/triage').set(bearer(tokens.operator))).body).toEqual([]);
    await t.http.post(`/api/v1/work-orders/${order.id}/approve-return`).set(bearer(tokens.operator)).send({}).expect(200);
    const queue = (await t.http.get('/api/v1/triage').set(bearer(tokens.operator))).body;
    expect(queue).toEqual([expect.objectContaining({ workOrderId: order.id, returned: true, repeatOf: null })]);
    await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-PS-WENCHANG' }).expect(200);
    expect((await t.http.get('/api/v1/triage').set(bearer(tokens.operator))).body).toEqual([]);
    const after = (await t.http.get(`/api/v1/work-orders/${order.id}/routing`).set(bearer(tokens.operator))).body;
    expect(after).toMatchObject({ outcome: 'corrected', resolvedUnitCode: 'CQ-PS-WENCHANG' });
    expect(after.resolvedBy).toMatch(/^operator/);
    const unit = await t.token('unit', 'CQ-PS-WENCHANG');
    expect((await t.http.get(`/api/v1/work-orders/${order.id}/routing`).set(bearer(unit))).status).toBe(403);
    expect((await t.http.get('/api/v1/work-orders/00000000-0000-4000-8000-000000000000/routing').set(bearer(tokens.operator))).status).toBe(404);
  });

  test('the quality report counts what the router dispatched, what operators corrected and what still waits, by confidence and version', async () => {
    const kept = await intake('小区楼下广场舞音响太吵,晚上十点还在跳', '长清区大学路');
    const returned = await intake('邻居家狗每天乱叫,遛狗不拴绳', '长清区大学路');
    const corrected = await intake('你好,我想反映一个情况,请尽快联系我', '长清区');
    await intake('你好,请尽快回电话', '长清区');
    expect([kept.state, returned.state, corrected.state]).toEqual(['dispatched', 'dispatched', 'received']);
    const station = await t.token('unit', 'CQ-PS-DAXUELU');
    await t.http.post(`/api/v1/work-orders/${returned.id}/return`).set(bearer(station)).send({ reason: '不在本辖区' }).expect(200);
    await t.http.post(`/api/v1/work-orders/${returned.id}/approve-return`).set(bearer(tokens.operator)).send({}).expect(200);
    await t.http.post(`/api/v1/work-orders/${returned.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-PS-WENCHANG' }).expect(200);
    await t.http.post(`/api/v1/work-orders/${corrected.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-SD-WENCHANG' }).expect(200);

    const period = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };
    const report = (await t.http.get('/api/v1/routing/quality').query(period).set(bearer(tokens.admin)).expect(200)).body;
    expect(report).toMatchObject({ decisions: 4, autoDispatched: 2, autoDispatchedCorrected: 1, waiting: 1, withdrawn: 0, resolved: 3, right: 1, accuracy: 0.333 });
    expect(report.byConfidence).toEqual([
      { from: 0, to: 0.1, decisions: 2, resolved: 1, right: 0, accuracy: 0 },
      { from: 0.8, to: 0.9, decisions: 1, resolved: 1, right: 1, accuracy: 1 },
      { from: 0.9, to: 1, decisions: 1, resolved: 1, right: 0, accuracy: 0 },
    ]);
    expect(report.byVersion).toEqual([expect.objectContaining({ modelVersion: null, decisions: 4, autoDispatched: 2, accuracy: 0.333 })]);

    const empty = (await t.http.get('/api/v1/routing/quality').query({ from: '2000-01-01T00:00:00Z', to: '2000-02-01T00:00:00Z' }).set(bearer(tokens.admin)).expect(200)).body;
    expect(empty).toMatchObject({ decisions: 0, accuracy: null, byConfidence: [], byVersion: [] });
    const backwards = await t.http.get('/api/v1/routing/quality').query({ from: period.to, to: period.from }).set(bearer(tokens.admin));
    expect(backwards.status).toBe(400);
    expect(backwards.body.code).toBe('invalid_period');
    expect((await t.http.get('/api/v1/routing/quality').query(period).set(bearer(station))).status).toBe(403);
  });

  test('a routing job that was lost is done by the sweep, once', async () => {
    const enqueue = jest.spyOn(t.jobs, 'enqueue').mockResolvedValue(undefined);
    const created = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ content: '小区楼下广场舞音响太吵', address: '长清区大学路' })).expect(201)).body;
    enqueue.mockRestore();
    expect((await t.http.get(`/api/v1/work-orders/${created.id}`).set(bearer(tokens.operator))).body.state).toBe('received');
    expect(await t.app.services.routing.sweep()).toBe(1);
    await t.jobs.settled();
    await Promise.all([t.app.services.routing.routeOrder(created.id), t.app.services.routing.routeOrder(created.id)]);
    const events = (await t.http.get(`/api/v1/work-orders/${created.id}/events`).set(bearer(tokens.operator))).body;
    expect(events.map((e: { action: string }) => e.action)).toEqual(['create', 'dispatch']);
    expect(await t.app.services.routing.sweep()).toBe(0);
  });

  test('with the threshold above 1 every order goes to triage; units may not read the queue', async () => {
    await t.http.put('/api/v1/settings/routing.autoDispatchThreshold').set(bearer(tokens.admin)).send({ value: 1.01 }).expect(200);
    const order = await intake('小区楼下广场舞音响太吵,晚上十点还在跳', '长清区大学路');
    expect(order.state).toBe('received');
    const queue = (await t.http.get('/api/v1/triage').set(bearer(tokens.operator))).body;
    expect(queue[0].decision).toMatchObject({ leadUnitCode: 'CQ-PS-DAXUELU', leadUnitName: '大学路派出所' });
    const unit = await t.token('unit', 'CQ-CG');
    expect((await t.http.get('/api/v1/triage').set(bearer(unit))).status).toBe(403);
  });
});
