import { In, type EntityManager } from 'typeorm';
import type { Database } from '../../db/database';
import type { JobQueue } from '../../jobs/catalogue';
import { SYSTEM_ACTOR, type Actor } from '../../plugins/auth';
import { Unit } from '../directory/unit.entity';
import type { SettingsService } from '../settings/settings.service';
import { WorkOrder } from '../work-orders/work-order.entity';
import type { OrderObserver, OrderTx, WorkOrderService } from '../work-orders/work-order.service';
import knowledge from './data/knowledge.json';
import { compileKnowledge, route, type CompiledKnowledge, type Knowledge, type RoutingDecision, type RoutingInput } from './router';
import { RoutingDecisionRow } from './routing-decision.entity';

export interface TriageItem {
  workOrderId: string;
  externalNo: string;
  receivedAt: string;
  requestType: string;
  content: string;
  address: string;
  decidedAt: string;
  decision: RoutingDecision & { leadUnitName: string | null };
}

/**
 * Routing in the flow (domain.md §1, §5): every order taken in is routed; a confident
 * decision dispatches it at once, any other waits in the triage queue for an operator,
 * whose dispatch is recorded as a confirmation or a correction. The knowledge is the
 * reference district's file for now; a trained model is not yet used on intake.
 */
export class RoutingService {
  private readonly compiled: CompiledKnowledge = compileKnowledge(knowledge as Knowledge);

  constructor(
    private readonly db: Database,
    private readonly workOrders: WorkOrderService,
    private readonly settings: SettingsService,
    private readonly jobs: JobQueue,
  ) {}

  /** Routing runs as a job just after intake, so that taking an order in stays one quick statement. */
  readonly observer: OrderObserver = {
    afterIntake: async (order) => {
      try {
        await this.jobs.enqueue('routing.route', { workOrderId: order.id }, { jobId: `route:${order.id}` });
      } catch {
        // The sweep routes it: an order without a decision is found again.
      }
    },
    orderChanged: async (tx, { after, action, actor }) => {
      if (action !== 'dispatch' || actor.role === 'system') return;
      const row = await tx.m.findOneBy(RoutingDecisionRow, { workOrderId: after.id, outcome: 'triage' });
      if (!row) return;
      const lead = await tx.m.findOneByOrFail(Unit, { id: after.leadUnitId! });
      await tx.m.update(
        RoutingDecisionRow,
        { workOrderId: after.id },
        { outcome: lead.code === row.suggestedUnitCode ? 'confirmed' : 'corrected', resolvedUnitCode: lead.code, resolvedBy: actor.name, resolvedAt: tx.now },
      );
    },
  };

  async preview(input: RoutingInput): Promise<RoutingDecision & { leadUnitName: string | null }> {
    const decision = route(input, this.compiled, null);
    const names = await this.db.read((m) => unitNames(m, [decision.leadUnitCode]));
    return { ...decision, leadUnitName: decision.leadUnitCode ? (names.get(decision.leadUnitCode) ?? null) : null };
  }

  /** Orders waiting for an operator's routing, oldest first. */
  triage(limit: number): Promise<TriageItem[]> {
    return this.db.read(async (m) => {
      const rows = await m.find(RoutingDecisionRow, { where: { outcome: 'triage' }, order: { decidedAt: 'ASC' }, take: limit });
      const orders = new Map((await m.findBy(WorkOrder, { id: In(rows.map((r) => r.workOrderId)) })).map((o) => [o.id, o]));
      const names = await unitNames(m, rows.map((r) => r.suggestedUnitCode));
      return rows
        .filter((r) => orders.get(r.workOrderId)?.state === 'received')
        .map((r) => {
          const o = orders.get(r.workOrderId)!;
          return {
            workOrderId: o.id,
            externalNo: o.externalNo,
            receivedAt: o.receivedAt.toISOString(),
            requestType: o.requestType,
            content: o.content,
            address: o.address,
            decidedAt: r.decidedAt.toISOString(),
            decision: { ...r.decision, leadUnitName: r.suggestedUnitCode ? (names.get(r.suggestedUnitCode) ?? null) : null },
          };
        });
    });
  }

  /** The job: route one new order once (the decision's primary key sees to that). */
  async routeOrder(workOrderId: string): Promise<void> {
    await this.workOrders.unitOfWork(async (tx) => {
      const [row] = (await tx.m.query(`SELECT id FROM work_orders WHERE id = $1 AND state = 'received' FOR UPDATE`, [workOrderId])) as unknown[];
      if (!row || (await tx.m.existsBy(RoutingDecisionRow, { workOrderId }))) return;
      await this.routeNew(tx, await tx.m.findOneByOrFail(WorkOrder, { id: workOrderId }));
    });
  }

  /** New orders that have no decision yet (a lost job), oldest first, queued again. */
  async sweep(limit = 500): Promise<number> {
    const rows = await this.db.statement<{ id: string }>(
      `SELECT w.id FROM work_orders w
       WHERE w.state = 'received' AND NOT EXISTS (SELECT 1 FROM routing_decisions r WHERE r.work_order_id = w.id)
       ORDER BY w.created_at LIMIT $1`,
      [limit],
    );
    for (const { id } of rows) await this.jobs.enqueue('routing.route', { workOrderId: id }, { jobId: `route:${id}` });
    return rows.length;
  }

  private async routeNew(tx: OrderTx, order: WorkOrder): Promise<WorkOrder> {
    const decision = route({ content: order.content, address: order.address, category: order.category }, this.compiled, null);
    const threshold = await this.settings.get(tx.m, 'routing.autoDispatchThreshold');
    const lead = decision.leadUnitCode ? await tx.m.findOneBy(Unit, { code: decision.leadUnitCode, active: true }) : null;
    const confident = lead !== null && decision.confidence >= threshold;
    await tx.m.insert(RoutingDecisionRow, {
      workOrderId: order.id,
      police: decision.police,
      suggestedUnitCode: decision.leadUnitCode,
      confidence: decision.confidence,
      decision: decision as never,
      knowledgeVersion: decision.knowledgeVersion,
      modelVersion: decision.modelVersion,
      outcome: confident ? 'auto_dispatched' : 'triage',
      decidedAt: tx.now,
    });
    if (!confident) return order;
    const actor: Actor = { ...SYSTEM_ACTOR, name: 'router' };
    return this.workOrders.transition(tx, actor, order, 'dispatch', {
      leadUnitCode: lead.code,
      note: `自动派单 (置信度 ${decision.confidence}): ${decision.reasons.join('; ')}`.slice(0, 2000),
    });
  }
}

async function unitNames(m: EntityManager, codes: (string | null)[]): Promise<Map<string, string>> {
  const wanted = codes.filter((c): c is string => !!c);
  if (!wanted.length) return new Map();
  return new Map((await m.findBy(Unit, { code: In(wanted) })).map((u) => [u.code, u.name]));
}
