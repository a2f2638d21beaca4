import { bearer, intakeBody, startTestApp, storage, type TestApp } from './support/app';

/**
 * Every route × every role. "through" means the role passes access control (the status is
 * neither 401 nor 403); what the route then answers is tested elsewhere.
 */
type Caller = 'anonymous' | 'badToken' | 'operator' | 'commander' | 'admin' | 'leadUnit' | 'otherUnit';
const CALLERS: Caller[] = ['anonymous', 'badToken', 'operator', 'commander', 'admin', 'leadUnit', 'otherUnit'];
const CENTRE: Caller[] = ['operator', 'admin'];
const READERS: Caller[] = ['operator', 'commander', 'admin', 'leadUnit', 'otherUnit'];

interface Route {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  body?: object;
  through: Caller[];
}

const order = ':order';
const ZERO = '00000000-0000-4000-8000-000000000000';
const ROUTES: Route[] = [
  { method: 'get', path: '/api/v1/units', through: READERS },
  { method: 'get', path: '/api/v1/units/CQ-CG', through: READERS },
  { method: 'post', path: '/api/v1/units', body: { code: 'CQ-NEW', name: '新单位', kind: 'agency' }, through: ['admin'] },
  { method: 'patch', path: '/api/v1/units/CQ-ZJ', body: { name: '住房和城乡建设局' }, through: ['admin'] },
  { method: 'put', path: '/api/v1/units', body: { units: [{ code: 'CQ-ZJ', name: '住房和城乡建设局', kind: 'agency' }] }, through: ['admin'] },
  { method: 'get', path: '/api/v1/principals', through: ['admin'] },
  { method: 'post', path: '/api/v1/principals', body: { name: 'x', role: 'operator' }, through: ['admin'] },
  { method: 'delete', path: '/api/v1/principals/00000000-0000-4000-8000-000000000000', through: ['admin'] },
  { method: 'get', path: '/api/v1/accounts', through: ['admin'] },
  { method: 'post', path: '/api/v1/accounts', body: { username: 'matrix.user', name: 'x', role: 'operator', password: 'long enough 1' }, through: ['admin'] },
  { method: 'patch', path: '/api/v1/accounts/00000000-0000-4000-8000-000000000000', body: { disabled: true }, through: ['admin'] },
  { method: 'post', path: '/api/v1/accounts/00000000-0000-4000-8000-000000000000/password', body: { password: 'long enough 1' }, through: ['admin'] },
  { method: 'get', path: '/api/v1/sign-ins?limit=5', through: ['admin'] },
  { method: 'post', path: '/api/v1/work-orders', body: intakeBody(), through: CENTRE },
  { method: 'get', path: '/api/v1/work-orders', through: READERS },
  { method: 'get', path: `/api/v1/work-orders/${order}`, through: READERS },
  { method: 'get', path: `/api/v1/work-orders/${order}/events`, through: READERS },
  { method: 'post', path: `/api/v1/work-orders/${order}/dispatch`, body: { leadUnitCode: 'CQ-CG' }, through: CENTRE },
  ...['approve-return', 'approve-extension', 'close'].map((a) => ({ method: 'post' as const, path: `/api/v1/work-orders/${order}/${a}`, body: {}, through: CENTRE })),
  ...['reject-return', 'refuse-extension', 'reopen', 'cancel'].map((a) => ({ method: 'post' as const, path: `/api/v1/work-orders/${order}/${a}`, body: { reason: '原因' }, through: CENTRE })),
  { method: 'post', path: `/api/v1/work-orders/${order}/merge`, body: { originalId: '00000000-0000-4000-8000-000000000000' }, through: CENTRE },
  { method: 'post', path: `/api/v1/work-orders/${order}/sign`, body: {}, through: ['leadUnit', 'otherUnit'] },
  { method: 'post', path: `/api/v1/work-orders/${order}/return`, body: { reason: '非本单位职责' }, through: ['leadUnit', 'otherUnit'] },
  { method: 'post', path: `/api/v1/work-orders/${order}/request-extension`, body: { workingDays: 3, reason: '需协调' }, through: ['leadUnit', 'otherUnit'] },
  { method: 'post', path: `/api/v1/work-orders/${order}/reply`, body: { result: 'resolved', text: '已处理' }, through: ['leadUnit', 'otherUnit'] },
  { method: 'get', path: '/api/v1/inbox', through: ['leadUnit', 'otherUnit'] },
  { method: 'get', path: '/api/v1/units/CQ-CG/webhook-deliveries', through: ['admin', 'leadUnit', 'otherUnit'] },
  { method: 'post', path: `/api/v1/work-orders/${order}/mark-difficult`, body: { reason: '疑难' }, through: CENTRE },
  { method: 'get', path: '/api/v1/settings', through: ['operator', 'commander', 'admin'] },
  { method: 'put', path: '/api/v1/settings/supervision.slipWorkingDays', body: { value: 5 }, through: ['admin'] },
  { method: 'get', path: '/api/v1/calendar?from=2026-01-01&to=2026-01-31', through: READERS },
  { method: 'put', path: '/api/v1/calendar/2030-01-02', body: { kind: 'holiday', name: '测试' }, through: ['admin'] },
  { method: 'delete', path: '/api/v1/calendar/2030-01-03', through: ['admin'] },
  { method: 'get', path: '/api/v1/deadline-policies', through: ['operator', 'commander', 'admin'] },
  { method: 'put', path: '/api/v1/deadline-policies/测试', body: {}, through: ['admin'] },
  { method: 'post', path: '/api/v1/supervision-slips', body: { orderIds: [ZERO], reason: '督办' }, through: ['commander', 'admin'] },
  { method: 'get', path: '/api/v1/supervision-slips', through: READERS },
  { method: 'get', path: `/api/v1/supervision-slips/${ZERO}`, through: READERS },
  { method: 'post', path: `/api/v1/supervision-slips/${ZERO}/progress`, body: { text: '进展' }, through: READERS },
  { method: 'post', path: `/api/v1/supervision-slips/${ZERO}/chief-callback`, body: {}, through: ['leadUnit', 'otherUnit'] },
  { method: 'post', path: `/api/v1/supervision-slips/${ZERO}/result`, body: { text: '结果' }, through: ['leadUnit', 'otherUnit'] },
  { method: 'post', path: `/api/v1/supervision-slips/${ZERO}/close`, body: { text: '同意' }, through: ['commander'] },
  { method: 'post', path: `/api/v1/supervision-slips/${ZERO}/send-back`, body: { text: '退回' }, through: ['commander'] },
  { method: 'post', path: '/api/v1/routing/preview', body: { content: '广场舞噪音扰民' }, through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: '/api/v1/triage', through: CENTRE },
  { method: 'get', path: `/api/v1/work-orders/${order}/routing`, through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: '/api/v1/routing/knowledge', through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: '/api/v1/routing/knowledge/versions', through: ['operator', 'commander', 'admin'] },
  { method: 'post', path: '/api/v1/routing/knowledge/versions', body: {}, through: ['admin'] },
  { method: 'post', path: '/api/v1/routing/knowledge/versions/x-1/activate', through: ['admin'] },
  { method: 'post', path: '/api/v1/routing/examples', body: {}, through: ['admin'] },
  { method: 'get', path: '/api/v1/routing/examples', through: ['admin'] },
  { method: 'delete', path: '/api/v1/routing/examples/none', through: ['admin'] },
  { method: 'get', path: '/api/v1/routing/models', through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: '/api/v1/routing/models/none', through: ['operator', 'commander', 'admin'] },
  { method: 'post', path: '/api/v1/routing/models/train', through: ['admin'] },
  { method: 'post', path: '/api/v1/routing/models/none/activate', through: ['admin'] },
  { method: 'post', path: '/api/v1/routing/models/deactivate', through: ['admin'] },
  { method: 'get', path: `/api/v1/work-orders/${order}/repeats`, through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: '/api/v1/repeat-sources?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z', through: ['operator', 'commander', 'admin'] },
  { method: 'post', path: `/api/v1/work-orders/${order}/noise-source`, body: { noiseSourceId: null }, through: CENTRE },
  { method: 'post', path: '/api/v1/noise-sources', body: { place: '某广场', kind: 'other' }, through: CENTRE },
  { method: 'get', path: '/api/v1/noise-sources', through: READERS },
  { method: 'get', path: `/api/v1/noise-sources/${ZERO}`, through: READERS },
  { method: 'patch', path: `/api/v1/noise-sources/${ZERO}`, body: { note: 'x' }, through: CENTRE },
  { method: 'post', path: `/api/v1/noise-sources/${ZERO}/checks`, body: { checkedAt: '2026-11-20T12:00:00Z', result: '已查' }, through: ['operator', 'admin', 'leadUnit', 'otherUnit'] },
  { method: 'get', path: '/api/v1/callbacks', through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: `/api/v1/callbacks/${ZERO}`, through: ['operator', 'commander', 'admin'] },
  { method: 'post', path: `/api/v1/callbacks/${ZERO}/attempts`, body: { result: 'satisfied' }, through: CENTRE },
  { method: 'post', path: `/api/v1/work-orders/${order}/exemptions`, body: { reason: '不合理诉求' }, through: ['leadUnit', 'otherUnit'] },
  { method: 'get', path: '/api/v1/exemptions', through: READERS },
  { method: 'post', path: `/api/v1/exemptions/${ZERO}/approve`, body: {}, through: CENTRE },
  { method: 'post', path: `/api/v1/exemptions/${ZERO}/refuse`, body: {}, through: CENTRE },
  { method: 'get', path: '/api/v1/reports/rankings?month=2026-07', through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: '/api/v1/reports/rankings.xlsx?month=2026-07', through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: '/api/v1/reports/bulletin?month=2026-07', through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: '/api/v1/reports/rankings/check?month=2026-07', through: ['commander', 'admin'] },
  { method: 'post', path: '/api/v1/reports/tallies/rebuild', through: ['admin'] },
  { method: 'get', path: '/api/v1/reports/trends?from=2026-06&to=2026-07', through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: '/api/v1/reports/trends.html?from=2026-06&to=2026-07', through: ['operator', 'commander', 'admin'] },
  { method: 'get', path: '/health', through: CALLERS },
  { method: 'get', path: '/ready', through: CALLERS },
  { method: 'get', path: '/metrics', through: CALLERS },
  { method: 'get', path: '/docs/json', through: CALLERS },
  { method: 'get', path: '/login', through: CALLERS },
  { method: 'delete', path: '/api/v1/session', through: CALLERS },
];

let t: TestApp;
let tokens: Record<Caller, string | undefined>;
let orderId: string;

beforeAll(async () => {
  t = await startTestApp();
  await t.reset();
  tokens = {
    anonymous: undefined,
    badToken: 'not-a-token-anyone-was-given',
    operator: await t.token('operator'),
    commander: await t.token('commander'),
    admin: await t.token('admin'),
    leadUnit: await t.token('unit', 'CQ-CG'),
    otherUnit: await t.token('unit', 'CQ-PS-WENCHANG'),
  };
});
afterAll(async () => t.close());

/** A fresh order dispatched to CQ-CG for each request, so that one route's effect does not decide the next. */
beforeEach(async () => {
  const created = await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator!)).send(intakeBody()).expect(201);
  orderId = created.body.id;
  await t.http.post(`/api/v1/work-orders/${orderId}/dispatch`).set(bearer(tokens.operator!)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
});

const cases = ROUTES.flatMap((route) => CALLERS.map((caller) => [`${route.method.toUpperCase()} ${route.path}`, caller, route] as const));

describe(`access matrix (${storage})`, () => {
  test.each(cases)('%s as %s', async (_name, caller, route) => {
    const path = route.path.replace(order, orderId);
    const token = tokens[caller];
    let req = t.http[route.method](path);
    if (token) req = req.set(bearer(token));
    const res = route.body ? await req.send(route.body) : await req;
    if (route.through.includes(caller)) {
      expect([401, 403]).not.toContain(res.status);
      expect(res.status).toBeLessThan(500);
    } else if (caller === 'anonymous' || caller === 'badToken') {
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    } else {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
    }
  });
});

describe(`what unit staff see (${storage})`, () => {
  test("another unit's order is a 404 to a unit that never held it, for reads and actions alike", async () => {
    const other = tokens.otherUnit!;
    for (const path of [`/api/v1/work-orders/${orderId}`, `/api/v1/work-orders/${orderId}/events`]) {
      const res = await t.http.get(path).set(bearer(other));
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    expect((await t.http.post(`/api/v1/work-orders/${orderId}/sign`).set(bearer(other)).send({})).status).toBe(404);
    expect((await t.http.get(`/api/v1/work-orders/${orderId}`).set(bearer(tokens.leadUnit!))).status).toBe(200);
  });

  test('the lead unit may not take the centre\'s actions', async () => {
    const res = await t.http.post(`/api/v1/work-orders/${orderId}/close`).set(bearer(tokens.leadUnit!)).send({});
    expect(res.status).toBe(403);
  });

  test('unit staff list only orders their unit holds or held, and keep seeing one after it moved on', async () => {
    const list = async (token: string) => (await t.http.get('/api/v1/work-orders?limit=200').set(bearer(token))).body.items.map((o: { id: string }) => o.id);
    expect(await list(tokens.otherUnit!)).not.toContain(orderId);
    expect(await list(tokens.leadUnit!)).toContain(orderId);
    await t.http.post(`/api/v1/work-orders/${orderId}/return`).set(bearer(tokens.leadUnit!)).send({ reason: '非本单位' }).expect(200);
    await t.http.post(`/api/v1/work-orders/${orderId}/approve-return`).set(bearer(tokens.operator!)).send({}).expect(200);
    await t.http.post(`/api/v1/work-orders/${orderId}/dispatch`).set(bearer(tokens.operator!)).send({ leadUnitCode: 'CQ-PS-WENCHANG' }).expect(200);
    expect(await list(tokens.leadUnit!)).toContain(orderId);
    expect(await list(tokens.otherUnit!)).toContain(orderId);
    expect((await t.http.get(`/api/v1/work-orders/${orderId}`).set(bearer(tokens.leadUnit!))).body.allowedActions).toEqual([]);
  });

  test("a confidential citizen's name and phone are masked for units, not for the centre", async () => {
    const created = await t.http
      .post('/api/v1/work-orders')
      .set(bearer(tokens.operator!))
      .send(intakeBody({ confidential: true, citizen: { name: '王小明', phone: '13912345678' } }))
      .expect(201);
    await t.http.post(`/api/v1/work-orders/${created.body.id}/dispatch`).set(bearer(tokens.operator!)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
    const asUnit = await t.http.get(`/api/v1/work-orders/${created.body.id}`).set(bearer(tokens.leadUnit!));
    expect(asUnit.body.citizen).toEqual({ name: '王**', phone: '139****5678', masked: true });
    // The matrix above left many orders in this unit's inbox: page through it to the new one.
    let found: { citizen: { masked: boolean } } | undefined;
    for (let cursor: string | null = null, pages = 0; !found && pages < 50; pages++) {
      const page: { items: { id: string; citizen: { masked: boolean } }[]; nextCursor: string | null } = (await t.http.get(`/api/v1/inbox?limit=500${cursor ? `&cursor=${cursor}` : ''}`).set(bearer(tokens.leadUnit!))).body;
      found = page.items.find((i: { id: string }) => i.id === created.body.id);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(found?.citizen.masked).toBe(true);
    const asCentre = await t.http.get(`/api/v1/work-orders/${created.body.id}`).set(bearer(tokens.commander!));
    expect(asCentre.body.citizen).toEqual({ name: '王小明', phone: '13912345678', masked: false });
  });

  test('a revoked token is refused at once', async () => {
    const admin = tokens.admin!;
    const created = await t.http.post('/api/v1/principals').set(bearer(admin)).send({ name: '临时话务员', role: 'operator' }).expect(201);
    await t.http.get('/api/v1/work-orders').set(bearer(created.body.token)).expect(200);
    await t.http.delete(`/api/v1/principals/${created.body.principal.id}`).set(bearer(admin)).expect(204);
    const res = await t.http.get('/api/v1/work-orders').set(bearer(created.body.token));
    expect(res.status).toBe(401);
  });

  test('the routing preview says police or not, which unit and why, and writes nothing', async () => {
    const res = await t.http.post('/api/v1/routing/preview').set(bearer(tokens.operator!)).send({ content: '小区广场舞音响太吵,晚上十点还在跳', address: '长清区大学路' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ police: true, leadUnitCode: 'CQ-PS-DAXUELU', leadUnitName: '大学路派出所' });
    expect(res.body.reasons.join(' ')).toContain('广场舞');
  });

  test('a unit-staff token must name an existing unit; other roles must not name one', async () => {
    const admin = tokens.admin!;
    expect((await t.http.post('/api/v1/principals').set(bearer(admin)).send({ name: 'x', role: 'unit' })).body.code).toBe('unit_required');
    expect((await t.http.post('/api/v1/principals').set(bearer(admin)).send({ name: 'x', role: 'unit', unitCode: 'CQ-NOPE' })).body.code).toBe('unknown_unit');
    expect((await t.http.post('/api/v1/principals').set(bearer(admin)).send({ name: 'x', role: 'operator', unitCode: 'CQ-CG' })).body.code).toBe('unit_not_allowed');
  });
});
