import pino from 'pino';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_TOKENS, seedDemo, seedDemoHistory } from '../src/demo';
import { conflict } from '../src/errors';
import type { Actor } from '../src/modules/auth/actor';
import { WorkOrderService } from '../src/modules/work-orders/work-order.service';
import { bearer, storage, useTestApp } from './support/app';

const { t } = useTestApp();

describe(`the demo data (${storage})`, () => {
  test('npm start\'s demo gives every demo token, sample orders, and a ranked last month for commanders; loading it again adds nothing', async () => {
    const log = pino({ level: 'silent' });
    for (let i = 0; i < 2; i++) {
      await seedDemo(t.app.services, log);
      await seedDemoHistory(t.config, t.app.services, log);
    }
    const commander = DEMO_TOKENS.find((d) => d.role === 'commander')!.token;
    const now = new Date();
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15));
    const month = `${last.getUTCFullYear()}-${String(last.getUTCMonth() + 1).padStart(2, '0')}`;
    const report = (await t.http.get(`/api/v1/reports/rankings?month=${month}`).set(bearer(commander)).expect(200)).body;
    expect(report.units.filter((u: { ranked: boolean }) => u.ranked).length).toBeGreaterThanOrEqual(5);
    const [{ n }] = await t.db.read((m) => m.query(`SELECT count(*)::int AS n FROM work_orders WHERE external_no LIKE 'DEMO-%'`));
    expect(n).toBe(3 + 8 * 5 + (0 + 1 + 2 + 3 + 0 + 1 + 2 + 3));
    expect((await t.http.get(`/api/v1/reports/rankings/check?month=${month}`).set(bearer(commander))).body.agrees).toBe(true);
    // The trends' hot spots name places in Chinese, as a commander reads them, never a unit code's pinyin.
    const trends = (await t.http.get(`/api/v1/reports/trends?from=${month}&to=${month}`).set(bearer(commander)).expect(200)).body;
    const places = trends.hotSpots.map((p: { place: string }) => p.place);
    expect(places).toContain('文昌辖区');
    for (const place of places) expect(place).not.toMatch(/[A-Za-z]/);
  });

  test('the demo loads beside busy workers: a change made in the same moment is met by acting again, and an order the router dispatched first stays where it went', async () => {
    // On PostgreSQL with worker processes, the router and the deadline checks run while the demo loads.
    const act = WorkOrderService.prototype.act;
    const router: Actor = { id: null, name: 'router', role: 'operator', unitId: null };
    const raced = new Set<string>();
    const spy = jest.spyOn(WorkOrderService.prototype, 'act').mockImplementation(async function (this: WorkOrderService, actor, id, action, input, expected) {
      if (action === 'dispatch' && !raced.has(id)) {
        raced.add(id);
        const order = await this.get(actor, id);
        if (order.externalNo === 'DEMO-0001') await act.call(this, router, id, 'dispatch', { leadUnitCode: 'CQ-ZA' });
        else throw conflict('version_conflict', 'someone else changed the order at the same moment; reload it and try again');
      }
      return act.call(this, actor, id, action, input, expected);
    });
    try {
      const log = pino({ level: 'silent' });
      await seedDemo(t.app.services, log);
      await seedDemoHistory(t.config, t.app.services, log);
    } finally {
      spy.mockRestore();
    }
    const leads = await t.db.statement<{ external_no: string; state: string; code: string }>(
      `SELECT w.external_no, w.state, u.code FROM work_orders w JOIN units u ON u.id = w.lead_unit_id WHERE w.external_no LIKE 'DEMO-%' ORDER BY w.external_no`,
    );
    const lead = (no: string) => leads.find((l) => l.external_no === no)?.code;
    expect([lead('DEMO-0001'), lead('DEMO-0002')]).toEqual(['CQ-ZA', 'CQ-CG']);
    expect(leads.filter((l) => l.external_no.startsWith('DEMO-H') && l.state === 'closed')).toHaveLength(8 * 5 + (0 + 1 + 2 + 3 + 0 + 1 + 2 + 3));
  });

  test('the demo accounts sign in with demo12345, each in its role and unit', async () => {
    await seedDemo(t.app.services, pino({ level: 'silent' }));
    expect(DEMO_ACCOUNTS.map((a) => a.username)).toEqual(['demo-operator', 'demo-commander', 'demo-admin', 'demo-wenchang', 'demo-cg']);
    for (const account of DEMO_ACCOUNTS) {
      const res = await t.http.post('/api/v1/session').send({ username: account.username, password: DEMO_PASSWORD }).expect(200);
      expect(res.body).toMatchObject({ username: account.username, role: account.role, unitCode: account.unitCode ?? null });
    }
    expect((await t.http.post('/api/v1/session').send({ username: 'demo-wenchang', password: 'demo-wenchang' })).status).toBe(401);
  });
});
