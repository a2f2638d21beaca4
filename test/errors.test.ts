import { bearer, intakeBody, storage, useTestApp } from './support/app';

const { t, tokens } = useTestApp({ config: { BODY_LIMIT_BYTES: '4096' }, roles: ['operator'] });

const countOrders = async () => Number((await t.db.read((m) => m.query('SELECT count(*)::int AS n FROM work_orders')))[0].n);
const post = (body: string | object, type = 'application/json') =>
  t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).set('content-type', type).send(typeof body === 'string' ? body : JSON.stringify(body));

describe(`bad input gets a clear 4xx problem, never a 500, and writes nothing (${storage})`, () => {
  test.each([
    ['malformed JSON', () => post('{"externalNo": "A1", '), 400, 'malformed_json'],
    ['an empty body', () => post(''), 400, 'malformed_json'],
    ['an unknown field', () => post({ ...intakeBody(), priority: 'high' }), 400, 'validation_failed'],
    ['a bad enum value', () => post({ ...intakeBody(), requestType: 'gossip' }), 400, 'validation_failed'],
    ['a missing field', () => post({ ...intakeBody(), content: undefined }), 400, 'validation_failed'],
    ['a bad date', () => post({ ...intakeBody(), receivedAt: 'yesterday' }), 400, 'validation_failed'],
    ['an oversize body', () => post({ ...intakeBody(), content: '很'.repeat(3000) }), 413, 'body_too_large'],
    ['another media type', () => post('externalNo=1', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type'],
    ['a NUL character in a text', () => post({ ...intakeBody(), citizen: { name: '欧阳\u0000秘密', phone: '13998765432' } }), 400, 'invalid_value'],
  ])('%s', async (_what, send, status, code) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, code, type: `urn:problem:${code}` });
    expect(typeof res.body.detail).toBe('string');
    expect(await countOrders()).toBe(0);
  });

  test('an unknown field names itself in the problem', async () => {
    const res = await post({ ...intakeBody(), priority: 'high' });
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body/priority' })]));
  });

  test('a malformed id is a 400; an unknown one a 404', async () => {
    const bad = await t.http.get('/api/v1/work-orders/not-a-uuid').set(bearer(tokens.operator));
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    const unknown = await t.http.get('/api/v1/work-orders/00000000-0000-4000-8000-000000000000').set(bearer(tokens.operator));
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
  });

  test('an action on an unknown order is a 404, an unknown route too', async () => {
    const res = await t.http.post('/api/v1/work-orders/00000000-0000-4000-8000-000000000000/close').set(bearer(tokens.operator)).send({});
    expect(res.status).toBe(404);
    const route = await t.http.get('/api/v1/nothing-here').set(bearer(tokens.operator));
    expect(route.status).toBe(404);
    expect(route.body.code).toBe('route_not_found');
  });

  test('a bad cursor is a 400, a crafted one too', async () => {
    const cursor = (first: string) => Buffer.from(`${first}|00000000-0000-4000-8000-000000000000`).toString('base64url');
    for (const query of ['cursor=garbage', `cursor=${cursor('275761')}`, `cursor=${cursor('2026-13-45T99:00:00Z')}`]) {
      const res = await t.http.get(`/api/v1/work-orders?${query}`).set(bearer(tokens.operator));
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code: 'invalid_cursor' });
    }
    const unit = await t.token('unit', 'CQ-CG');
    const inbox = await t.http.get(`/api/v1/inbox?cursor=${cursor('2026-07-01T00:00:00.000Z')}`).set(bearer(unit));
    expect({ status: inbox.status, code: inbox.body.code }).toEqual({ status: 400, code: 'invalid_cursor' });
  });

  test('a change that committed is answered as done even when queueing its follow-up jobs fails', async () => {
    // Received weeks ago: its deadlines have passed, so the dispatch queues their checks at once.
    const order = (await post(intakeBody({ receivedAt: new Date(Date.now() - 30 * 86_400_000).toISOString() }))).body;
    const enqueue = jest.spyOn(t.jobs, 'enqueue').mockRejectedValue(new Error('queue unreachable'));
    try {
      const res = await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ state: 'dispatched', version: 2 });
      expect(enqueue).toHaveBeenCalled();
    } finally {
      enqueue.mockRestore();
    }
    const actions = async () => (await t.http.get(`/api/v1/work-orders/${order.id}/events`).set(bearer(tokens.operator))).body.map((e: { action: string }) => e.action);
    expect(await actions()).toEqual(['create', 'dispatch']);
    // The deadline checks it could not queue are found again by the sweep: sign, reply and close are overdue once each.
    expect(await t.app.services.deadlines.sweep()).toBe(3);
    await t.jobs.settled();
    expect((await actions()).filter((a: string) => a === 'overdue')).toHaveLength(3);
  });

  test('a failure inside a transaction leaves nothing half-written', async () => {
    const order = (await post(intakeBody())).body;
    // The unit exists when checked but the dispatch fails on a later statement: the state must not move.
    await t.db.write((m) => m.query(`CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`));
    await t.db.write((m) => m.query(`CREATE TRIGGER fail_event BEFORE INSERT ON work_order_events FOR EACH ROW EXECUTE FUNCTION fail_event()`));
    try {
      const res = await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' });
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ code: 'internal' });
      expect(JSON.stringify(res.body)).not.toContain('boom');
    } finally {
      await t.db.write((m) => m.query('DROP TRIGGER fail_event ON work_order_events; DROP FUNCTION fail_event()'));
    }
    const after = await t.http.get(`/api/v1/work-orders/${order.id}`).set(bearer(tokens.operator));
    expect(after.body).toMatchObject({ state: 'received', version: 1, leadUnit: null });
  });

  test('every response carries a request id', async () => {
    const res = await t.http.get('/health');
    expect(res.headers['x-request-id']).toMatch(/[0-9a-f-]{36}/);
    const given = await t.http.get('/health').set('x-request-id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
  });
});
