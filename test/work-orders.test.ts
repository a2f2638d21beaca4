import { bearer, intakeBody, storage, useTestApp } from './support/app';

const { t, tokens, units } = useTestApp({ roles: ['operator', 'commander'], units: ['CQ-PS-WENCHANG', 'CQ-CG'] });

const create = async (overrides: Record<string, unknown> = {}) => {
  const res = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody(overrides));
  expect(res.status).toBe(201);
  return res.body as { id: string; version: number };
};
const act = (token: string, id: string, action: string, body: Record<string, unknown> = {}) =>
  t.http.post(`/api/v1/work-orders/${id}/${action}`).set(bearer(token)).send(body);

describe(`work orders on ${storage}`, () => {
  test('the whole walk: create → dispatch → sign → return → re-dispatch → sign → reply → close, every step recorded', async () => {
    const order = await create();
    expect((await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-CG' })).body).toMatchObject({ state: 'dispatched', leadUnit: { code: 'CQ-CG' } });
    expect((await act(units['CQ-CG'], order.id, 'sign')).body.state).toBe('signed');
    const returned = await act(units['CQ-CG'], order.id, 'return', { reason: '属于公安机关职责:夜间烧烤噪音由派出所处置' });
    expect(returned.body).toMatchObject({ state: 'returned', pendingReturn: { unit: { code: 'CQ-CG' } } });
    expect((await act(tokens.operator, order.id, 'approve-return')).body).toMatchObject({ state: 'received', leadUnit: null });
    expect((await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-PS-WENCHANG' })).body.dispatchCount).toBe(2);
    expect((await act(units['CQ-PS-WENCHANG'], order.id, 'sign', { note: '已安排民警' })).status).toBe(200);
    const replied = await act(units['CQ-PS-WENCHANG'], order.id, 'reply', { result: 'resolved', text: '民警已到场劝导,摊主承诺22点前收摊。' });
    expect(replied.body).toMatchObject({ state: 'replied', reply: { result: 'resolved', unit: { code: 'CQ-PS-WENCHANG' } } });
    const closed = await act(tokens.operator, order.id, 'close');
    expect(closed.body).toMatchObject({ state: 'closed', allowedActions: ['reopen'] });

    const events = await t.http.get(`/api/v1/work-orders/${order.id}/events`).set(bearer(tokens.commander));
    expect(events.status).toBe(200);
    expect(events.body.map((e: { action: string }) => e.action)).toEqual([
      'create', 'dispatch', 'sign', 'return', 'approve-return', 'dispatch', 'sign', 'reply', 'close',
    ]);
    const returnEvent = events.body[3];
    expect(returnEvent).toMatchObject({ fromState: 'signed', toState: 'returned', reason: '属于公安机关职责:夜间烧烤噪音由派出所处置', actor: { role: 'unit', unit: { code: 'CQ-CG' } } });
    expect(events.body.map((e: { version: number }) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('the centre rejects a return: the unit keeps the order, signed', async () => {
    const order = await create();
    await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-CG' });
    await act(units['CQ-CG'], order.id, 'return', { reason: '非本单位职责' });
    const rejected = await act(tokens.operator, order.id, 'reject-return', { reason: '属于城管职责清单第12项' });
    expect(rejected.body).toMatchObject({ state: 'signed', leadUnit: { code: 'CQ-CG' }, pendingReturn: null });
  });

  test('when a unit has had the order dispatched three times it is designated and may not return it', async () => {
    const order = await create();
    for (const unit of ['CQ-CG', 'CQ-ZJ']) {
      await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: unit });
      const staff = await t.token('unit', unit);
      expect((await act(staff, order.id, 'return', { reason: '不属于本单位' })).status).toBe(200);
      await act(tokens.operator, order.id, 'approve-return');
    }
    const third = await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-CG' });
    expect(third.body).toMatchObject({ dispatchCount: 3, designated: true });
    const refused = await act(units['CQ-CG'], order.id, 'return', { reason: '还是不属于本单位' });
    expect(refused.status).toBe(409);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'designated', allowedActions: ['sign'] });
  });

  test('an action not allowed now is a 409 that lists the allowed actions, and changes nothing', async () => {
    const order = await create();
    const res = await act(tokens.operator, order.id, 'close');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'action_not_allowed', state: 'received', allowedActions: ['dispatch', 'cancel', 'merge'] });
    const after = await t.http.get(`/api/v1/work-orders/${order.id}`).set(bearer(tokens.operator));
    expect(after.body).toMatchObject({ state: 'received', version: 1 });
    const events = await t.http.get(`/api/v1/work-orders/${order.id}/events`).set(bearer(tokens.operator));
    expect(events.body).toHaveLength(1);
  });

  test('only the lead unit acts on an order; an assisting unit reads it but may not sign', async () => {
    const order = await create();
    await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-PS-WENCHANG', assistingUnitCodes: ['CQ-CG'] });
    expect((await t.http.get(`/api/v1/work-orders/${order.id}`).set(bearer(units['CQ-CG']))).body.allowedActions).toEqual([]);
    const res = await act(units['CQ-CG'], order.id, 'sign');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('not_lead_unit');
  });

  test('dispatching to an unknown or inactive unit is a 422 and writes nothing', async () => {
    const order = await create();
    const unknown = await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-NOPE' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'unknown_unit', unknownCodes: ['CQ-NOPE'] });
    const admin = await t.token('admin');
    await t.http.patch('/api/v1/units/CQ-ZJ').set(bearer(admin)).send({ active: false }).expect(200);
    expect((await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-ZJ' })).body.code).toBe('inactive_unit');
    expect((await t.http.get(`/api/v1/work-orders/${order.id}`).set(bearer(tokens.operator))).body).toMatchObject({ state: 'received', version: 1 });
  });

  test('extension: asked by the unit, one at a time, decided by the centre', async () => {
    const order = await create();
    await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-CG' });
    await act(units['CQ-CG'], order.id, 'sign');
    const asked = await act(units['CQ-CG'], order.id, 'request-extension', { workingDays: 5, reason: '需协调多部门联合执法' });
    expect(asked.body).toMatchObject({ state: 'signed', pendingExtension: { workingDays: 5, unit: { code: 'CQ-CG' } } });
    expect((await act(units['CQ-CG'], order.id, 'request-extension', { workingDays: 3, reason: '再次申请' })).body.code).toBe('extension_pending');
    expect((await act(units['CQ-CG'], order.id, 'request-extension', { workingDays: 61, reason: '太长' })).status).toBe(400);
    const approved = await act(tokens.operator, order.id, 'approve-extension');
    expect(approved.body).toMatchObject({ state: 'signed', pendingExtension: null });
    const events = await t.http.get(`/api/v1/work-orders/${order.id}/events`).set(bearer(tokens.operator));
    expect(events.body.at(-1)).toMatchObject({ action: 'approve-extension', details: { workingDays: 5 } });
  });

  test('reopen sends a replied order back to its unit, which signs and replies again', async () => {
    const order = await create();
    await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-PS-WENCHANG' });
    await act(units['CQ-PS-WENCHANG'], order.id, 'sign');
    await act(units['CQ-PS-WENCHANG'], order.id, 'reply', { result: 'explained', text: '已解释' });
    await act(tokens.operator, order.id, 'close');
    const reopened = await act(tokens.operator, order.id, 'reopen', { reason: '回访不满意:噪音仍在' });
    expect(reopened.body).toMatchObject({ state: 'reopened', reply: null, closedAt: null });
    const inbox = await t.http.get('/api/v1/inbox').set(bearer(units['CQ-PS-WENCHANG']));
    expect(inbox.body.items.map((i: { id: string; inboxReason: string }) => [i.id, i.inboxReason])).toEqual([[order.id, 'reopened']]);
    expect((await act(units['CQ-PS-WENCHANG'], order.id, 'sign')).body.state).toBe('signed');
  });

  test('a repeat is merged into its original; merging into itself or into a merged order is refused', async () => {
    const original = await create();
    const repeat = await create({ citizen: { name: '李四', phone: '13912345678' } });
    expect((await act(tokens.operator, repeat.id, 'merge', { originalId: repeat.id })).body.code).toBe('merge_into_self');
    const merged = await act(tokens.operator, repeat.id, 'merge', { originalId: original.id, note: '同一烧烤摊重复投诉' });
    expect(merged.body).toMatchObject({ state: 'merged', mergedIntoId: original.id, allowedActions: [] });
    const third = await create();
    expect((await act(tokens.operator, third.id, 'merge', { originalId: repeat.id })).body.code).toBe('original_not_open');
  });

  test('cancel needs a reason and ends the order', async () => {
    const order = await create();
    expect((await act(tokens.operator, order.id, 'cancel', {})).status).toBe(400);
    expect((await act(tokens.operator, order.id, 'cancel', { reason: '无效来电' })).body).toMatchObject({ state: 'cancelled', allowedActions: [] });
  });

  test('If-Match: acting on a version the caller did not see is a 409', async () => {
    const order = await create();
    const res = await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).set('if-match', '"7"').send({ leadUnitCode: 'CQ-CG' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'version_mismatch', version: 1 });
    await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).set('if-match', '"1"').send({ leadUnitCode: 'CQ-CG' }).expect(200);
  });

  test('two staff of the lead unit sign at the same moment: one wins, the other gets 409, one event', async () => {
    const order = await create();
    await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-CG' });
    const other = await t.token('unit', 'CQ-CG');
    const results = await Promise.all([act(units['CQ-CG'], order.id, 'sign'), act(other, order.id, 'sign')]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(['version_conflict', 'action_not_allowed']).toContain(results.find((r) => r.status === 409)!.body.code);
    const events = await t.http.get(`/api/v1/work-orders/${order.id}/events`).set(bearer(tokens.operator));
    expect(events.body.filter((e: { action: string }) => e.action === 'sign')).toHaveLength(1);
  });

  test('many actors racing on one order never lose an update: versions and events stay in step', async () => {
    const order = await create();
    await act(tokens.operator, order.id, 'dispatch', { leadUnitCode: 'CQ-CG' });
    await act(units['CQ-CG'], order.id, 'sign');
    const attempts = await Promise.all([
      act(units['CQ-CG'], order.id, 'request-extension', { workingDays: 2, reason: 'a' }),
      act(units['CQ-CG'], order.id, 'reply', { result: 'resolved', text: 'b' }),
      act(units['CQ-CG'], order.id, 'return', { reason: 'c' }),
      act(tokens.operator, order.id, 'cancel', { reason: 'd' }),
    ]);
    const won = attempts.filter((r) => r.status === 200);
    expect(won.length).toBeGreaterThanOrEqual(1);
    const final = await t.http.get(`/api/v1/work-orders/${order.id}`).set(bearer(tokens.operator));
    const events = await t.http.get(`/api/v1/work-orders/${order.id}/events`).set(bearer(tokens.operator));
    expect(events.body).toHaveLength(final.body.version);
    expect(events.body.at(-1).toState).toBe(final.body.state);
  });
});

describe(`idempotent intake on ${storage}`, () => {
  test('the same body again returns the existing order with 200; keys in another order are the same body', async () => {
    const body = intakeBody();
    const first = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(body);
    expect(first.status).toBe(201);
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(reordered);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const events = await t.http.get(`/api/v1/work-orders/${first.body.id}/events`).set(bearer(tokens.operator));
    expect(events.body).toHaveLength(1);
  });

  test('a different body under the same number is a 409; the same number from another source is another order', async () => {
    const body = intakeBody();
    const first = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(body);
    const changed = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send({ ...body, content: '另一件事' });
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ code: 'external_no_conflict', id: first.body.id });
    const web = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send({ ...body, source: 'web' });
    expect(web.status).toBe(201);
  });

  test('the same order submitted concurrently is created once', async () => {
    const body = intakeBody();
    const results = await Promise.all(Array.from({ length: 6 }, () => t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(body)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });
});

describe(`listing on ${storage}`, () => {
  test('filters by state, unit, request type, urgency, time and text, and pages with a cursor without gaps or repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const o = await create({
        receivedAt: new Date(Date.UTC(2026, 10, 1 + i, 2)).toISOString(),
        requestType: i % 2 ? 'consultation' : 'complaint',
        urgency: i === 3 ? 'critical' : 'normal',
        content: i === 5 ? '咨询身份证补办流程和所需材料' : `投诉噪音扰民第${i}次`,
      });
      ids.push(o.id);
    }
    await act(tokens.operator, ids[0], 'dispatch', { leadUnitCode: 'CQ-CG' });
    const get = (q: string) => t.http.get(`/api/v1/work-orders?${q}`).set(bearer(tokens.operator));
    expect((await get('state=dispatched')).body.items.map((o: { id: string }) => o.id)).toEqual([ids[0]]);
    expect((await get('state=dispatched&state=received')).body.items).toHaveLength(7);
    expect((await get('unitCode=CQ-CG')).body.items).toHaveLength(1);
    expect((await get('requestType=consultation')).body.items).toHaveLength(3);
    expect((await get('urgency=critical')).body.items.map((o: { id: string }) => o.id)).toEqual([ids[3]]);
    expect((await get('receivedFrom=2026-11-03T00:00:00Z&receivedTo=2026-11-05T00:00:00Z')).body.items.map((o: { id: string }) => o.id)).toEqual([ids[3], ids[2]]);
    expect((await get(`q=${encodeURIComponent('身份证')}`)).body.items.map((o: { id: string }) => o.id)).toEqual([ids[5]]);
    expect((await get('q=%25')).body.items).toHaveLength(0);
    expect((await get('unitCode=CQ-NOPE')).status).toBe(422);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await get(`limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items.map((o) => o.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});
