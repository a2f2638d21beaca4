import { bearer, intakeBody, storage, useTestApp } from './support/app';

const { t, tokens } = useTestApp({ roles: ['operator', 'admin', 'commander'], settings: { 'routing.autoDispatchThreshold': 0.8 } });

const CALLER = { name: '赵女士', phone: '13700000001' };
const DANCE = '幸福小区楼下广场舞音响太吵,晚上十点还在跳';

/** Takes an order in and waits for the routing job that links it. */
const intake = async (overrides: Record<string, unknown>) => {
  const created = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody(overrides)).expect(201)).body;
  await t.jobs.settled();
  return (await t.http.get(`/api/v1/work-orders/${created.id}`).set(bearer(tokens.operator))).body;
};
const merge = (id: string, originalId: string) => t.http.post(`/api/v1/work-orders/${id}/merge`).set(bearer(tokens.operator)).send({ originalId }).expect(200);
/** The order's repeat group: its original, and each repeat with its relation. */
const groupOf = async (id: string) => {
  const group = (await t.http.get(`/api/v1/work-orders/${id}/repeats`).set(bearer(tokens.operator)).expect(200)).body as { original: { id: string }; repeats: { id: string; relation: string }[] };
  return { original: group.original.id, repeats: group.repeats.map((r) => [r.id, r.relation]) };
};
const events = async (id: string) => (await t.http.get(`/api/v1/work-orders/${id}/events`).set(bearer(tokens.operator))).body as { action: string; reason: string; details: Record<string, unknown> }[];

describe(`repeat complaints on intake (${storage})`, () => {
  test('the same caller about the same matter is linked to the first order, recorded, and left to the operator rather than dispatched again', async () => {
    const first = await intake({ citizen: CALLER, content: DANCE, address: '长清区大学路幸福小区' });
    expect(first).toMatchObject({ state: 'dispatched', repeatOfId: null });
    const again = await intake({ citizen: CALLER, content: '楼下广场舞音响声音太大,晚上十点多还在跳,又来投诉', address: '长清区大学路' });
    expect(again).toMatchObject({ state: 'received', repeatOfId: first.id });
    const linked = (await events(again.id)).find((e) => e.action === 'link-repeat')!;
    expect(linked.details).toMatchObject({ originalId: first.id, sameCaller: true });
    const triage = (await t.http.get('/api/v1/triage').set(bearer(tokens.operator))).body;
    expect(triage[0].decision.reasons.join(' ')).toContain('疑似重复件');
  });

  test('the same call taken three times in the same millisecond: repeats point at an original, never an order at itself or two at each other', async () => {
    const caller = { name: '钱先生', phone: '13700000077' };
    const bodies = [0, 1, 2].map(() => intakeBody({ citizen: caller, content: '小区门口饭店排烟管道油烟直排,家里窗户都不敢开', address: '长清区大学路康桥小区' }));
    // The clock stands still: under load, orders of one group commit often share their millisecond.
    t.clock.set(new Date());
    const created = await Promise.all(bodies.map(async (b) => (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(b).expect(201)).body));
    await t.jobs.settled();
    const orders = await Promise.all(created.map(async (c) => (await t.http.get(`/api/v1/work-orders/${c.id}`).set(bearer(tokens.operator))).body as { id: string; repeatOfId: string | null }));
    // Taken in one batch they are one original and two repeats of it; should the first be routed
    // before the others were written, it may stay an original beside theirs, which is no harm.
    const originals = new Set(orders.filter((o) => o.repeatOfId === null).map((o) => o.id));
    expect(originals.size).toBeGreaterThanOrEqual(1);
    for (const o of orders) if (o.repeatOfId !== null) expect(originals.has(o.repeatOfId)).toBe(true);
  });

  test('an order routed late (its job lost and swept) that repeats an earlier one takes the repeats already linked or merged into it along to the original', async () => {
    const caller = { name: '孙女士', phone: '13700000078' };
    const body = (content: string) => ({ citizen: caller, content, address: '长清区大学路康桥小区' });
    const first = await intake(body('康桥小区门口烧烤摊油烟很大,晚上吵到十二点'));
    const late = await intake(body('康桥小区门口烧烤摊油烟大,晚上十二点还很吵'));
    expect(late.repeatOfId).toBe(first.id);
    // Its routing job lost: as if it had never been routed.
    await t.db.statement(`DELETE FROM routing_decisions WHERE work_order_id = $1`, [late.id]);
    await t.db.statement(`UPDATE work_orders SET repeat_of_id = NULL WHERE id = $1`, [late.id]);
    const next = await intake(body('康桥小区门口烧烤摊油烟大,晚上十二点还很吵,再次反映'));
    expect(next.repeatOfId).toBe(late.id);
    // And one an operator has merged into it meanwhile (one merge is enough for a slip here: a
    // slip only on an order a unit holds, so none for the unrouted one).
    await t.http.put('/api/v1/settings/supervision.repeatThreshold').set(bearer(tokens.admin)).send({ value: 1 }).expect(200);
    const folded = await intake(body('康桥小区门口烧烤摊油烟大,晚上十二点还很吵,第三次反映'));
    await merge(folded.id, late.id);
    const slipsOn = async (id: string) =>
      ((await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander)).expect(200)).body as { trigger: string; orders: { id: string }[] }[])
        .filter((s) => s.orders.some((o) => o.id === id))
        .map((s) => s.trigger);
    expect([first.state, await slipsOn(first.id)]).toEqual(['dispatched', []]);
    await t.app.services.routing.sweep();
    await t.jobs.settled();
    const get = async (id: string) => (await t.http.get(`/api/v1/work-orders/${id}`).set(bearer(tokens.operator))).body;
    expect((await get(late.id)).repeatOfId).toBe(first.id);
    expect((await get(next.id)).repeatOfId).toBe(first.id);
    expect((await get(folded.id)).mergedIntoId).toBe(first.id);
    const moved = (await events(next.id)).filter((e) => e.action === 'link-repeat');
    expect(moved.map((e) => e.details.originalId)).toEqual([late.id, first.id]);
    expect(moved[1].reason).toContain(late.externalNo);
    expect((await groupOf(first.id)).repeats.map(([id]) => id).sort()).toEqual([late.id, next.id, folded.id].sort());
    // The merged repeat now counts on the original: its slip comes with the move.
    expect(await slipsOn(first.id)).toEqual(['repeats']);
    await t.http.put('/api/v1/settings/supervision.repeatThreshold').set(bearer(tokens.admin)).send({ value: 3 }).expect(200);
  });

  test('another caller about the same place and matter is linked too; another matter, or a closed order older than the window, is not', async () => {
    const old = await intake({ content: DANCE, address: '长清区文昌街道幸福小区1号楼', receivedAt: new Date(Date.now() - 40 * 86400_000).toISOString() });
    const station = await t.token('unit', 'CQ-PS-WENCHANG');
    await t.http.post(`/api/v1/work-orders/${old.id}/sign`).set(bearer(station)).send({}).expect(200);
    await t.http.post(`/api/v1/work-orders/${old.id}/reply`).set(bearer(station)).send({ result: 'resolved', text: '已约谈' }).expect(200);
    await t.http.post(`/api/v1/work-orders/${old.id}/close`).set(bearer(tokens.operator)).send({}).expect(200);
    const first = await intake({ content: DANCE, address: '长清区文昌街道幸福小区2号楼' });
    expect(first.repeatOfId).toBeNull();
    const neighbour = await intake({ content: '幸福小区广场舞太吵了,晚上十点还在跳舞', address: '长清区文昌街道幸福小区5号楼' });
    expect(neighbour.repeatOfId).toBe(first.id);
    const other = await intake({ content: '幸福小区物业乱收停车费', address: '长清区文昌街道幸福小区5号楼' });
    expect(other.repeatOfId).toBeNull();
    expect(old.repeatOfId).toBeNull();
  });

  test('an order still open is repeated however long ago it came in', async () => {
    const open = await intake({ content: DANCE, address: '长清区文昌街道幸福小区1号楼', receivedAt: new Date(Date.now() - 40 * 86400_000).toISOString() });
    expect(open.state).toBe('dispatched');
    const again = await intake({ content: '幸福小区广场舞太吵了,晚上十点还在跳舞', address: '长清区文昌街道幸福小区2号楼' });
    expect(again.repeatOfId).toBe(open.id);
  });

  test('the repeat group counts repeats and callers; merging keeps the order in the group; the top sources list it', async () => {
    const first = await intake({ content: DANCE, address: '长清区文昌街道幸福小区' });
    const second = await intake({ content: DANCE, address: '长清区文昌街道幸福小区' });
    const third = await intake({ citizen: { name: '钱先生', phone: '13700000009' }, content: DANCE + ',请管管', address: '长清区文昌街道幸福小区' });
    await t.http.post(`/api/v1/work-orders/${second.id}/merge`).set(bearer(tokens.operator)).send({ originalId: first.id }).expect(200);
    const group = (await t.http.get(`/api/v1/work-orders/${third.id}/repeats`).set(bearer(tokens.operator)).expect(200)).body;
    expect(group).toMatchObject({ original: { id: first.id, relation: 'original' }, count: 2, callers: 3 });
    expect(group.repeats.map((r: { id: string; relation: string }) => [r.id, r.relation])).toEqual([
      [second.id, 'merged'],
      [third.id, 'linked'],
    ]);
    const from = new Date(Date.now() - 86400_000).toISOString();
    const to = new Date(Date.now() + 86400_000).toISOString();
    const top = (await t.http.get(`/api/v1/repeat-sources?from=${from}&to=${to}`).set(bearer(tokens.operator)).expect(200)).body;
    expect(top).toEqual([expect.objectContaining({ original: expect.objectContaining({ id: first.id }), count: 2 })]);
  });

  test('an original merged away takes its linked repeats to the order it went into; an order merged into a repeat goes to its original; merged into its own repeat, that repeat becomes the original', async () => {
    const at = (place: string) => ({ content: '小区地下车库电动车乱停乱放,堵住消防通道', address: `长清区文昌街道${place}` });
    const original = await intake(at('康桥小区'));
    const repeat = await intake(at('康桥小区'));
    expect(repeat.repeatOfId).toBe(original.id);
    // The same matter taken in under another place key: an original of its own, until an operator sees they are one.
    const other = await intake(at('康桥花园小区'));
    expect(other.repeatOfId).toBeNull();
    await merge(original.id, other.id);
    expect(await groupOf(repeat.id)).toEqual({ original: other.id, repeats: [[original.id, 'merged'], [repeat.id, 'linked']] });
    const moved = (await events(repeat.id)).filter((e) => e.action === 'link-repeat').at(-1)!;
    expect(moved).toMatchObject({ details: { originalId: other.id, previousOriginalId: original.id } });

    // Merged into a repeat, an order goes to that repeat's original.
    const other2 = await intake(at('康桥东苑'));
    await merge(other2.id, repeat.id);
    const mergedAway = (await t.http.get(`/api/v1/work-orders/${other2.id}`).set(bearer(tokens.operator))).body;
    expect(mergedAway.mergedIntoId).toBe(other.id);
    expect((await events(other2.id)).find((e) => e.action === 'merge')!.details).toMatchObject({ originalId: other.id, chosenId: repeat.id });

    const first = await intake(at('幸福小区'));
    const second = await intake(at('幸福小区'));
    const third = await intake(at('幸福小区'));
    expect([second.repeatOfId, third.repeatOfId]).toEqual([first.id, first.id]);
    await merge(first.id, second.id);
    expect(await groupOf(third.id)).toEqual({ original: second.id, repeats: [[first.id, 'merged'], [third.id, 'linked']] });
  });

  test('orders merged into a linked repeat count towards the supervision slip of its original', async () => {
    await t.http.put('/api/v1/settings/supervision.repeatThreshold').set(bearer(tokens.admin)).send({ value: 2 }).expect(200);
    const first = await intake({ citizen: CALLER, content: DANCE, address: '长清区大学路幸福小区' });
    const again = await intake({ citizen: CALLER, content: DANCE, address: '长清区大学路幸福小区' });
    expect([first.state, again.repeatOfId]).toEqual(['dispatched', first.id]);
    // Two more calls taken under other places; the operator merges each into the repeat on screen.
    for (const place of ['康桥东苑', '康桥花园小区']) {
      const other = await intake({ content: DANCE, address: `长清区文昌街道${place}` });
      expect(other.repeatOfId).toBeNull();
      await merge(other.id, again.id);
    }
    const slips = (await t.http.get('/api/v1/supervision-slips').set(bearer(tokens.commander)).expect(200)).body;
    expect(slips.map((s: { trigger: string; orders: { id: string }[] }) => [s.trigger, s.orders.map((o) => o.id)])).toEqual([['repeats', [first.id]]]);
  });
});

describe(`the noise-source register (${storage})`, () => {
  test('a registered source gathers the orders about its place, and the checks made on it', async () => {
    const source = (
      await t.http
        .post('/api/v1/noise-sources')
        .set(bearer(tokens.operator))
        .send({ place: '长清区文昌街道幸福小区', kind: 'square_dance', organiser: '广场舞队 刘某', contact: '0531-0000000' })
        .expect(201)
    ).body;
    const order = await intake({ content: DANCE, address: '长清区文昌街道幸福小区东门广场' });
    expect(order.noiseSourceId).toBe(source.id);
    expect((await events(order.id)).map((e) => e.action)).toContain('link-noise-source');
    const station = await t.token('unit', 'CQ-PS-WENCHANG');
    await t.http.post(`/api/v1/noise-sources/${source.id}/checks`).set(bearer(station)).send({ checkedAt: '2026-11-20T12:30:00.000Z', result: '已约谈组织者,音响降至 55 分贝以下' }).expect(201);
    const listed = (await t.http.get('/api/v1/noise-sources?kind=square_dance&active=true').set(bearer(station)).expect(200)).body;
    expect(listed.map((s: { id: string; orders: number }) => [s.id, s.orders])).toEqual([[source.id, 1]]);
    const full = (await t.http.get(`/api/v1/noise-sources/${source.id}`).set(bearer(tokens.operator)).expect(200)).body;
    expect(full).toMatchObject({ orders: 1, lastCheck: { result: '已约谈组织者,音响降至 55 分贝以下' }, orderList: [{ id: order.id }] });
    expect(full.checks).toHaveLength(1);
    await t.http.post(`/api/v1/work-orders/${order.id}/noise-source`).set(bearer(tokens.operator)).send({ noiseSourceId: null }).expect(200);
    expect((await t.http.get(`/api/v1/noise-sources/${source.id}`).set(bearer(tokens.operator))).body.orders).toBe(0);
  });

  test('only orders about noise or dogs join a source; registering one takes in the open ones already at its place', async () => {
    const before = await intake({ content: '东门广场的广场舞音响每晚开到十点', address: '长清区平安街道阳光小区东门广场' });
    const fee = await intake({ content: '阳光小区物业乱收停车费', address: '长清区平安街道阳光小区8号楼' });
    const source = (await t.http.post('/api/v1/noise-sources').set(bearer(tokens.operator)).send({ place: '长清区平安街道阳光小区', kind: 'square_dance' }).expect(201)).body;
    const orderOf = async (id: string) => (await t.http.get(`/api/v1/work-orders/${id}`).set(bearer(tokens.operator))).body;
    expect((await orderOf(before.id)).noiseSourceId).toBe(source.id);
    expect((await events(before.id)).find((e) => e.action === 'link-noise-source')).toBeDefined();
    expect((await orderOf(fee.id)).noiseSourceId).toBeNull();
    const later = await intake({ content: '阳光小区有人在楼道里堆放杂物', address: '长清区平安街道阳光小区3号楼' });
    expect(later.noiseSourceId).toBeNull();
    const dogs = await intake({ content: '阳光小区有人遛狗不拴绳,狗晚上一直叫', address: '长清区平安街道阳光小区3号楼' });
    expect(dogs.noiseSourceId).toBe(source.id);
    expect((await t.http.get(`/api/v1/noise-sources/${source.id}`).set(bearer(tokens.operator))).body.orders).toBe(2);
  });

  test('bad input is refused: an unknown kind, an unknown source, a stale edit', async () => {
    expect((await t.http.post('/api/v1/noise-sources').set(bearer(tokens.operator)).send({ place: '某地', kind: 'aliens' })).body.code).toBe('validation_failed');
    const order = await intake({});
    const res = await t.http.post(`/api/v1/work-orders/${order.id}/noise-source`).set(bearer(tokens.operator)).send({ noiseSourceId: '00000000-0000-4000-8000-000000000000' });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'not_found' });
    const source = (await t.http.post('/api/v1/noise-sources').set(bearer(tokens.operator)).send({ place: '长清区平安街道某广场', kind: 'loudspeaker' }).expect(201)).body;
    const changed = await t.http.patch(`/api/v1/noise-sources/${source.id}`).set(bearer(tokens.admin)).send({ active: false, version: 1 }).expect(200);
    expect(changed.body).toMatchObject({ active: false, version: 2, createdBy: expect.stringMatching(/^operator/), updatedBy: expect.stringMatching(/^admin/) });
    expect((await t.http.patch(`/api/v1/noise-sources/${source.id}`).set(bearer(tokens.operator)).send({ note: 'x', version: 1 })).status).toBe(409);
  });
});
