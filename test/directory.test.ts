import reference from '../src/modules/directory/data/reference-district.json';
import { bearer, storage, useTestApp } from './support/app';

const { t, tokens } = useTestApp({ roles: ['admin'] });

describe(`the unit directory (${storage})`, () => {
  test('the reference district holds every unit of domain.md §6: 12 stations, the brigades and 30+ partner agencies', async () => {
    const units = (await t.http.get('/api/v1/units').set(bearer(tokens.admin))).body as { code: string; kind: string; police: boolean; jurisdiction: string[] }[];
    expect(units).toHaveLength(reference.units.length);
    const stations = units.filter((u) => u.kind === 'station');
    expect(stations).toHaveLength(12);
    expect(stations.every((s) => s.police && s.jurisdiction.length > 0)).toBe(true);
    expect(units.filter((u) => !u.police).length).toBeGreaterThanOrEqual(30);
    const onlyStations = (await t.http.get('/api/v1/units?kind=station').set(bearer(tokens.admin))).body;
    expect(onlyStations).toHaveLength(12);
  });

  test('an administrator adds a unit under a parent, changes it and deactivates it', async () => {
    const created = await t.http
      .post('/api/v1/units')
      .set(bearer(tokens.admin))
      .send({ code: 'CQ-PS-NEW', name: '新城派出所', kind: 'station', parentCode: 'CQ-PSB', jurisdiction: ['新城社区'], contact: { chief: '张所长', phone: '0531-00000000' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 'CQ-PS-NEW', police: true, parentCode: 'CQ-PSB', active: true });
    const changed = await t.http.patch('/api/v1/units/CQ-PS-NEW').set(bearer(tokens.admin)).send({ active: false, jurisdiction: ['新城社区', '新城村'] });
    expect(changed.body).toMatchObject({ active: false, jurisdiction: ['新城社区', '新城村'] });
    expect((await t.http.get('/api/v1/units?active=false').set(bearer(tokens.admin))).body.map((u: { code: string }) => u.code)).toEqual(['CQ-PS-NEW']);
  });

  test.each([
    [{ code: 'CQ-CG', name: 'x', kind: 'agency' }, 409, 'unit_exists'],
    [{ code: 'CQ-X1', name: 'x', kind: 'agency', parentCode: 'CQ-NOPE' }, 422, 'unknown_unit'],
    [{ code: 'CQ-X2', name: 'x', kind: 'agency', webhookUrl: 'https://example.invalid/hook' }, 422, 'webhook_incomplete'],
    [{ code: 'lower-case', name: 'x', kind: 'agency' }, 400, 'validation_failed'],
    [{ code: 'CQ-X3', name: 'x', kind: 'ministry' }, 400, 'validation_failed'],
  ])('a bad unit is refused and nothing is written: %j', async (body, status, code) => {
    const res = await t.http.post('/api/v1/units').set(bearer(tokens.admin)).send(body);
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    expect((await t.http.get('/api/v1/units').set(bearer(tokens.admin))).body).toHaveLength(reference.units.length);
  });

  test('loading a directory file is all or nothing', async () => {
    const res = await t.http
      .put('/api/v1/units')
      .set(bearer(tokens.admin))
      .send({ units: [{ code: 'CQ-A1', name: '甲', kind: 'agency' }, { code: 'CQ-A2', name: '乙', kind: 'agency', parentCode: 'CQ-MISSING' }] });
    expect(res.status).toBe(422);
    expect((await t.http.get('/api/v1/units/CQ-A1').set(bearer(tokens.admin))).status).toBe(404);
    const cycle = await t.http
      .put('/api/v1/units')
      .set(bearer(tokens.admin))
      .send({ units: [{ code: 'CQ-B1', name: '甲', kind: 'agency', parentCode: 'CQ-B2' }, { code: 'CQ-B2', name: '乙', kind: 'agency', parentCode: 'CQ-B1' }] });
    expect(cycle.body.code).toBe('invalid_parent');
    const ok = await t.http.put('/api/v1/units').set(bearer(tokens.admin)).send({ units: [{ code: 'CQ-A1', name: '甲', kind: 'agency' }, { code: 'CQ-CG', name: '综合行政执法局', kind: 'agency' }] });
    expect(ok.body).toEqual({ created: 1, updated: 1 });
  });
});
