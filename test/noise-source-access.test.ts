import { bearer, intakeBody, storage, useTestApp } from './support/app';

const { t, tokens, units } = useTestApp({ roles: ['operator', 'commander'], units: ['CQ-PS-WENCHANG', 'CQ-PS-PINGAN', 'CQ-CG'] });

interface SourceView {
  id: string;
  organiser: string;
  contact: string;
  lastCheck: { result: string } | null;
  checks?: { result: string; recordedBy: string }[];
}

const register = async (place: string) =>
  (await t.http.post('/api/v1/noise-sources').set(bearer(tokens.operator)).send({ place, kind: 'square_dance', organiser: '广场舞队 刘某', contact: '13700001111' }).expect(201))
    .body as SourceView;
const list = async (token: string) => ((await t.http.get('/api/v1/noise-sources').set(bearer(token)).expect(200)).body as SourceView[]).map((s) => s.id).sort();
const check = (token: string, id: string, result: string) => t.http.post(`/api/v1/noise-sources/${id}/checks`).set(bearer(token)).send({ checkedAt: '2026-11-20T12:30:00.000Z', result });
const checkCount = async () => Number((await t.db.read((m) => m.query('SELECT count(*)::int AS n FROM noise_source_checks')))[0].n);

describe(`units see the noise sources of their own area and their own checks (${storage})`, () => {
  test("a station lists and reads only the sources in its area; another station's is a 404 and takes no check", async () => {
    const wenchang = await register('长清区文昌街道幸福小区东门广场');
    const pingan = await register('长清区平安街道阳光小区');
    expect(await list(units['CQ-PS-WENCHANG'])).toEqual([wenchang.id]);
    expect(await list(units['CQ-PS-PINGAN'])).toEqual([pingan.id]);
    expect(await list(units['CQ-CG'])).toEqual([]);
    expect(await list(tokens.commander)).toEqual([wenchang.id, pingan.id].sort());

    const own = (await t.http.get(`/api/v1/noise-sources/${wenchang.id}`).set(bearer(units['CQ-PS-WENCHANG'])).expect(200)).body as SourceView;
    expect(own).toMatchObject({ organiser: '广场舞队 刘某', contact: '13700001111' });
    const other = await t.http.get(`/api/v1/noise-sources/${pingan.id}`).set(bearer(units['CQ-PS-WENCHANG']));
    expect(other.status).toBe(404);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(other.body)).not.toContain('13700001111');

    const refused = await check(units['CQ-PS-WENCHANG'], pingan.id, '越界登记');
    expect(refused.status).toBe(404);
    expect(await checkCount()).toBe(0);
    await check(units['CQ-PS-WENCHANG'], wenchang.id, '已约谈组织者').expect(201);
    expect(await checkCount()).toBe(1);
  });

  test("a unit holding an order linked to a source outside its area sees it without the organiser's phone, and only its own checks", async () => {
    const source = await register('长清区文昌街道幸福小区东门广场');
    await check(units['CQ-PS-WENCHANG'], source.id, '派出所已约谈').expect(201);
    // 城管 has no area; an order about the source dispatched to it lets it see the source.
    const order = (await t.http.post('/api/v1/work-orders').set(bearer(tokens.operator)).send(intakeBody({ content: '东门广场的广场舞音响太吵', address: '长清区文昌街道幸福小区东门广场' })).expect(201)).body;
    await t.http.post(`/api/v1/work-orders/${order.id}/noise-source`).set(bearer(tokens.operator)).send({ noiseSourceId: source.id }).expect(200);
    expect(await list(units['CQ-CG'])).toEqual([]);
    await t.http.post(`/api/v1/work-orders/${order.id}/dispatch`).set(bearer(tokens.operator)).send({ leadUnitCode: 'CQ-CG' }).expect(200);
    expect(await list(units['CQ-CG'])).toEqual([source.id]);

    const seen = (await t.http.get(`/api/v1/noise-sources/${source.id}`).set(bearer(units['CQ-CG'])).expect(200)).body as SourceView;
    expect(seen.contact).toBe('');
    expect(JSON.stringify(seen)).not.toContain('13700001111');
    expect(seen.checks).toEqual([]);
    expect(seen.lastCheck).toBeNull();

    await check(units['CQ-CG'], source.id, '城管已到场').expect(201);
    const mine = (await t.http.get(`/api/v1/noise-sources/${source.id}`).set(bearer(units['CQ-CG'])).expect(200)).body as SourceView;
    expect(mine.checks!.map((c) => c.result)).toEqual(['城管已到场']);
    const station = (await t.http.get(`/api/v1/noise-sources/${source.id}`).set(bearer(units['CQ-PS-WENCHANG'])).expect(200)).body as SourceView;
    expect(station.checks!.map((c) => c.result)).toEqual(['派出所已约谈']);
    // The centre sees every check.
    const centre = (await t.http.get(`/api/v1/noise-sources/${source.id}`).set(bearer(tokens.operator)).expect(200)).body as SourceView;
    expect(centre.checks!.map((c) => c.result).sort()).toEqual(['城管已到场', '派出所已约谈'].sort());
  });
});
