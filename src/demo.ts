import type { FastifyBaseLogger } from 'fastify';
import type { Actor } from './plugins/auth';
import type { Services } from './runtime';
import reference from './modules/directory/data/reference-district.json';
import type { UnitInput } from './modules/directory/directory.service';
import type { Role } from './modules/auth/principal.entity';

/** The demo tokens listed in the README; created only in demo mode. */
export const DEMO_TOKENS: { token: string; name: string; role: Role; unitCode?: string }[] = [
  { token: 'demo-admin-token', name: '系统管理员', role: 'admin' },
  { token: 'demo-operator-token', name: '热线话务员', role: 'operator' },
  { token: 'demo-commander-token', name: '分局指挥长', role: 'commander' },
  { token: 'demo-wenchang-token', name: '文昌派出所值班员', role: 'unit', unitCode: 'CQ-PS-WENCHANG' },
  { token: 'demo-cg-token', name: '综合行政执法局接件员', role: 'unit', unitCode: 'CQ-CG' },
];

const SAMPLE_ORDERS = [
  { content: '文昌街道某小区楼下广场舞音响声音太大,晚上十点以后还在跳,影响休息,请求处理。', address: '长清区文昌街道清河街某小区', requestType: 'complaint', lead: 'CQ-PS-WENCHANG' },
  { content: '大学路附近工地夜间施工噪音扰民,凌晨还在打桩。', address: '长清区大学路', requestType: 'complaint', lead: 'CQ-CG' },
  { content: '咨询新生儿落户需要准备哪些材料。', address: '长清区平安街道', requestType: 'consultation', lead: null },
] as const;

/** Loads the reference district, the demo tokens and a few orders; safe to run at every start. */
export async function seedDemo(services: Services, log: FastifyBaseLogger): Promise<void> {
  await services.directory.load(reference.units as UnitInput[]);
  const existing = new Set((await services.principals.list()).map((p) => p.name));
  for (const t of DEMO_TOKENS) {
    if (!existing.has(t.name)) await services.principals.create(t);
  }
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
    if (created && sample.lead) await services.workOrders.act(operator, order.id, 'dispatch', { leadUnitCode: sample.lead });
  }
  log.info({ units: reference.units.length, tokens: DEMO_TOKENS.length }, 'demo data ready');
}
