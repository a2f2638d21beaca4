import { bearer, intakeBody, storage, useTestApp } from './support/app';

const { t, tokens, units } = useTestApp({ roles: ['operator', 'commander', 'admin'], units: ['CQ-CG'] });

async function dispatched(): Promise<string> {
  const created = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody()).expect(201);
  await t.http.post(`/api/v1/work-orders/${created.body.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
  return created.body.id;
}

const slipCount = async () => Number((await t.db.read((m) => m.query('SELECT count(*)::int AS n FROM supervision_slips')))[0].n);

describe(`a number is a plain decimal or a 400, on every route (${storage})`, () => {
  test.each(['"1e999"', '"Infinity"', '"-Infinity"', '"0x10"', '" 5"', '"1e1"', '"5.0"', '1e999'])(
    'a supervision slip with workingDays %s is refused at once and raises nothing',
    async (raw) => {
      const id = await dispatched();
      // Sent as raw JSON: `1e999` unquoted is a JSON number that parses to Infinity.
      const body = `{"orderIds":["${id}"],"reason":"局长批示督办","workingDays":${raw}}`;
      const res = await t.http.post('/api/v1/supervision-slips').set(bearer(tokens.commander)).set('content-type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path: 'body/workingDays' })] });
      expect(await slipCount()).toBe(0);
    },
  );

  test('a plain decimal string still counts as the number it spells', async () => {
    const id = await dispatched();
    const body = `{"orderIds":["${id}"],"reason":"局长批示督办","workingDays":"3"}`;
    const res = await t.http.post('/api/v1/supervision-slips').set(bearer(tokens.commander)).set('content-type', 'application/json').send(body);
    expect(res.status).toBe(201);
    const list = await t.http.get('/api/v1/work-orders?limit=7').set(bearer(tokens.operator));
    expect(list.status).toBe(200);
  });

  const lists: [string, () => string][] = [
    ['/api/v1/work-orders', () => tokens.operator],
    ['/api/v1/inbox', () => units['CQ-CG']],
    ['/api/v1/callbacks', () => tokens.operator],
    ['/api/v1/supervision-slips', () => tokens.commander],
    ['/api/v1/units/CQ-CG/webhook-deliveries', () => tokens.admin],
  ];
  test.each(lists)('%s refuses a limit of 1e999, ±Infinity, 0x10, +5 or 1.0 with a 400 problem', async (path, token) => {
    for (const limit of ['1e999', 'Infinity', '-Infinity', '0x10', '%2B5', '1.0']) {
      const res = await t.http.get(`${path}?limit=${limit}`).set(bearer(token()));
      expect({ limit, status: res.status, type: res.headers['content-type'] }).toEqual({ limit, status: 400, type: expect.stringMatching(/^application\/problem\+json/) });
      expect(res.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path: 'querystring/limit' })] });
    }
  });

  test('the working-day arithmetic refuses an endless span at the service boundary too', async () => {
    const id = await dispatched();
    const commander = { id: null, name: 'c', role: 'commander' as const, unitId: null };
    await expect(t.app.services.supervision.raiseByCommander(commander, { orderIds: [id], reason: 'x', workingDays: Infinity })).rejects.toMatchObject({
      status: 422,
      code: 'working_days_out_of_range',
    });
    expect(await slipCount()).toBe(0);
  });
});

describe(`receivedAt must be a time a hotline order can have (${storage})`, () => {
  const counts = async () =>
    (await t.db.read((m) => m.query('SELECT (SELECT count(*) FROM work_orders)::int AS orders, (SELECT count(*) FROM work_order_events)::int AS events')))[0];

  test.each([
    ['year 0000', '0000-01-01T00:00:00Z', 'received_at_too_old'],
    ['year 0001', '0001-01-01T00:00:00Z', 'received_at_too_old'],
    ['1999', '1999-12-31T23:59:59+08:00', 'received_at_too_old'],
    ['year 9999', '9999-12-31T23:59:59Z', 'received_at_in_future'],
    ['an hour ahead', '2026-12-02T11:00:00+08:00', 'received_at_in_future'],
    ['eleven years ago', '2015-12-01T10:00:00+08:00', 'received_at_too_old'],
  ])('%s is a 422 and nothing is written', async (_what, receivedAt, code) => {
    t.clock.set('2026-12-02T10:00:00+08:00');
    const res = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt }));
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe(code);
    expect(await counts()).toEqual({ orders: 0, events: 0 });
  });

  test('a platform clock a few minutes ahead, and an order from last year, are taken in', async () => {
    t.clock.set('2026-12-02T10:00:00+08:00');
    for (const receivedAt of ['2026-12-02T10:09:00+08:00', '2025-12-02T10:00:00+08:00']) {
      const res = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ receivedAt }));
      expect({ receivedAt, status: res.status }).toEqual({ receivedAt, status: 201 });
    }
  });
});
