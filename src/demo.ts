import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';
import { AppError } from './errors';
import type { Actor } from './modules/auth/actor';
import { createServices, type Services } from './runtime';
import reference from './modules/directory/data/reference-district.json';
import type { UnitInput } from './modules/directory/directory.service';
import type { Role } from './modules/auth/principal.entity';
import type { Action } from './modules/work-orders/lifecycle';
import type { ActionInput } from './modules/work-orders/work-order.schemas';

/** The demo tokens listed in the README; created only in demo mode. */
export const DEMO_TOKENS: { token: string; name: string; role: Role; unitCode?: string }[] = [
  { token: 'demo-admin-token', name: '系统管理员', role: 'admin' },
  { token: 'demo-operator-token', name: '热线话务员', role: 'operator' },
  { token: 'demo-commander-token', name: '分局指挥长', role: 'commander' },
  { token: 'demo-wenchang-token', name: '文昌派出所值班员', role: 'unit', unitCode: 'CQ-PS-WENCHANG' },
  { token: 'demo-cg-token', name: '综合行政执法局接件员', role: 'unit', unitCode: 'CQ-CG' },
];

/** The demo accounts listed in the README, each with the password `demo12345`; created only in demo mode. */
export const DEMO_PASSWORD = 'demo12345';
export const DEMO_ACCOUNTS: { username: string; name: string; role: Role; unitCode?: string }[] = [
  { username: 'demo-operator', name: '热线话务员（演示）', role: 'operator' },
  { username: 'demo-commander', name: '分局指挥长（演示）', role: 'commander' },
  { username: 'demo-admin', name: '系统管理员（演示）', role: 'admin' },
  { username: 'demo-wenchang', name: '文昌派出所值班员（演示）', role: 'unit', unitCode: 'CQ-PS-WENCHANG' },
  { username: 'demo-cg', name: '综合行政执法局接件员（演示）', role: 'unit', unitCode: 'CQ-CG' },
];

const SAMPLE_ORDERS = [
  { content: '文昌街道某小区楼下广场舞音响声音太大,晚上十点以后还在跳,影响休息,请求处理。', address: '长清区文昌街道清河街某小区', requestType: 'complaint', lead: 'CQ-PS-WENCHANG' },
  { content: '大学路附近工地夜间施工噪音扰民,凌晨还在打桩。', address: '长清区大学路', requestType: 'complaint', lead: 'CQ-CG' },
  { content: '咨询新生儿落户需要准备哪些材料。', address: '长清区平安街道', requestType: 'consultation', lead: null },
] as const;

/**
 * An action on a demo order, taken again as a person would when the workers (the router, a
 * deadline check) changed the order in the same moment (409 version_conflict): on PostgreSQL
 * with worker processes, they run beside the seeding.
 */
async function actAgain(services: Services, actor: Actor, id: string, action: Action, input: ActionInput) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await services.workOrders.act(actor, id, action, input);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'version_conflict') || attempt === 5) throw err;
    }
  }
}

/** Dispatches a new demo order to `lead`, unless the router's job has dispatched it already: then it stays where the router sent it. */
async function dispatch(services: Services, operator: Actor, id: string, lead: string) {
  try {
    return await actAgain(services, operator, id, 'dispatch', { leadUnitCode: lead });
  } catch (err) {
    if (err instanceof AppError && err.code === 'action_not_allowed') return services.workOrders.get(operator, id);
    throw err;
  }
}

/** Loads the reference district, the demo tokens and a few orders; at a restart that finds them all, does nothing. */
export async function seedDemo(services: Services, log: FastifyBaseLogger): Promise<void> {
  const existing = new Set((await services.principals.list()).map((p) => p.name));
  const lastSample = `DEMO-${String(SAMPLE_ORDERS.length).padStart(4, '0')}`;
  if (DEMO_TOKENS.every((t) => existing.has(t.name)) && (await services.db.statement(`SELECT 1 FROM work_orders WHERE source = 'phone' AND external_no = $1`, [lastSample])).length > 0) {
    return;
  }
  await services.directory.load(reference.units as UnitInput[]);
  for (const t of DEMO_TOKENS) {
    if (!existing.has(t.name)) await services.principals.create(t);
  }
  for (const a of DEMO_ACCOUNTS) await services.accounts.ensure({ ...a, password: DEMO_PASSWORD });
  const operator: Actor = { id: null, name: 'demo', role: 'operator', unitId: null };
  for (const [i, sample] of SAMPLE_ORDERS.entries()) {
    const { order, created } = await services.workOrders.intake(operator, {
      externalNo: `DEMO-${String(i + 1).padStart(4, '0')}`,
      source: 'phone',
      receivedAt: '2026-11-02T01:30:00.000Z',
      requestType: sample.requestType,
      citizen: { name: '王先生', phone: '13800000000' },
      confidential: i === 0,
      content: sample.content,
      address: sample.address,
    });
    if (created && sample.lead) await dispatch(services, operator, order.id, sample.lead);
  }
  log.info({ units: reference.units.length, tokens: DEMO_TOKENS.length, accounts: DEMO_ACCOUNTS.length }, 'demo data ready');
}

export const HISTORY_STATIONS = ['CQ-PS-WENCHANG', 'CQ-PS-DAXUELU', 'CQ-PS-PINGAN', 'CQ-PS-GUYUNHU', 'CQ-PS-WUFENGSHAN', 'CQ-PS-GUIDE', 'CQ-PS-ZHANGXIA', 'CQ-PS-XIAOLI'];
export const HISTORY_MATTERS = [
  { category: '噪音扰民', content: '小区广场舞音响太吵,晚上九点半以后还在跳' },
  { category: '养犬', content: '邻居遛狗不拴绳,大型犬在小区里乱跑' },
  { category: '噪音扰民', content: '楼下烧烤店深夜喧哗,凌晨一点还有人划拳' },
  { category: '治安', content: '小区门口有人聚众赌博' },
] as const;
const HISTORY_RESULTS = ['very_satisfied', 'satisfied', 'satisfied', 'basically_satisfied', 'satisfied', 'unsatisfied'] as const;

/**
 * Last month's handled orders, replied, closed and called back, so that the commanders'
 * ranking, bulletin and trends show something in the demo. Written through the services with
 * their own clock set in last month; done once.
 */
export async function seedDemoHistory(config: Config, base: Services, log: FastifyBaseLogger): Promise<void> {
  const now = new Date();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1, 1, 0)); // 09:00 in Beijing on the 1st
  let clock = monthStart;
  const services = createServices(config, base.db, base.jobs, log, () => clock);
  const operator: Actor = { id: null, name: 'demo', role: 'operator', unitId: null };
  if ((await base.db.statement(`SELECT 1 FROM work_orders WHERE source = 'phone' AND external_no = 'DEMO-H0001'`)).length) return;
  const stations = await base.db.statement<{ id: string; code: string; name: string }>(`SELECT id, code, name FROM units WHERE code = ANY($1)`, [HISTORY_STATIONS]);
  const ids = new Map(stations.map((u) => [u.code, u.id]));
  // The station's place in Chinese (文昌派出所 → 文昌), as a citizen names it: the trends' hot spots read it.
  const places = new Map(stations.map((u) => [u.code, u.name.replace(/派出所$/, '')]));
  let n = 0;
  for (const [s, station] of HISTORY_STATIONS.entries()) {
    const staff: Actor = { id: null, name: `${station} 值班员`, role: 'unit', unitId: ids.get(station)! };
    for (let i = 0; i < 5 + (s % 4); i++) {
      n++;
      const matter = HISTORY_MATTERS[(s + i) % HISTORY_MATTERS.length];
      clock = new Date(monthStart.getTime() + (n % 24) * 86400_000);
      const { order, created } = await services.workOrders.intake(operator, {
        externalNo: `DEMO-H${String(n).padStart(4, '0')}`,
        source: 'phone',
        receivedAt: clock.toISOString(),
        requestType: 'complaint',
        citizen: { name: '市民', phone: `1370000${String(n).padStart(4, '0')}` },
        content: matter.content,
        address: `长清区${places.get(station)}辖区`,
        category: matter.category,
      });
      if (!created) return;
      // The router's job may have sent it elsewhere first: such an order is left where it went.
      if ((await dispatch(services, operator, order.id, station)).leadUnit?.code !== station) continue;
      clock = new Date(clock.getTime() + 3600_000);
      await actAgain(services, staff, order.id, 'sign', {});
      // Most replies the same day; every fifth a week late.
      clock = new Date(clock.getTime() + (n % 5 === 0 ? 9 : 0.2) * 86400_000);
      await actAgain(services, staff, order.id, 'reply', { result: 'resolved', text: '已到现场处理,已告知诉求人' });
      clock = new Date(clock.getTime() + 3600_000);
      await actAgain(services, operator, order.id, 'close', {});
      clock = new Date(clock.getTime() + 86400_000);
      const [callback] = (await services.callbacks.list({ state: 'pending' })).filter((c) => c.workOrder.id === order.id);
      const result = HISTORY_RESULTS[(n + s) % HISTORY_RESULTS.length];
      if (callback) await services.callbacks.attempt(operator, callback.id, { result, unitFault: result === 'unsatisfied' ? false : undefined });
    }
  }
  log.info({ orders: n }, 'demo history of last month ready');
}
