import { randomUUID } from 'node:crypto';
import { addHours } from 'date-fns/addHours';
import { In, LessThanOrEqual, type EntityManager, type FindOptionsWhere } from 'typeorm';
import type { Database } from '../../db/database';
import { conflict, notFound, unprocessable } from '../../errors';
import type { Actor } from '../auth/actor';
import { unitRefs } from '../directory/directory.service';
import { MilestoneRow } from '../deadlines/deadline.entities';
import type { SettingsService } from '../settings/settings.service';
import type { SupervisionService } from '../supervision/supervision.service';
import { WorkOrder } from '../work-orders/work-order.entity';
import type { WorkOrderService } from '../work-orders/work-order.service';
import type { OrderObserver } from '../work-orders/order-change';
import { Callback, CallbackAttempt, Exemption, type AttemptResult, type CallbackState, type ExemptionState } from './callback.entities';
import type { CallbackView, ExemptionView } from './callback.schemas';

/** Results that need to say whether the cause lay with the unit. */
const UNSATISFIED: readonly AttemptResult[] = ['unsatisfied', 'very_unsatisfied'];
const LABELS: Record<AttemptResult, string> = {
  very_satisfied: '非常满意',
  satisfied: '满意',
  basically_satisfied: '基本满意',
  unsatisfied: '不满意',
  very_unsatisfied: '非常不满意',
  unreachable: '未接通',
};

/**
 * Callbacks (回访, domain.md §9) and exemptions (核减). A reply opens a callback task; the
 * callback centre records attempts; an unsatisfied result the unit caused reopens the order
 * as a redo (重办), and a failed redo raises a supervision slip (the supervision rules). An
 * approved exemption takes the order out of the unit's assessment.
 */
export class CallbackService {
  constructor(
    private readonly db: Database,
    private readonly workOrders: WorkOrderService,
    private readonly settings: SettingsService,
    private readonly supervision: Pick<SupervisionService, 'raiseByRule'>,
  ) {}

  readonly observer: OrderObserver = {
    orderChanged: async (tx, { after, action }) => {
      if (action === 'reply' && after.reply) {
        const [{ cycle }] = (await tx.m.query(`SELECT coalesce(max(cycle), 0) + 1 AS cycle FROM callbacks WHERE work_order_id = $1`, [after.id])) as { cycle: number }[];
        const delay = await this.settings.get(tx.m, 'callbacks.delayHours');
        await tx.m.insert(Callback, {
          id: randomUUID(),
          workOrderId: after.id,
          cycle,
          unitId: after.reply.unitId,
          repliedAt: tx.now,
          dueAt: addHours(tx.now, delay),
          state: 'pending',
          attempts: 0,
          exempt: await tx.m.existsBy(Exemption, { workOrderId: after.id, unitId: after.reply.unitId, state: 'approved' }),
          createdAt: tx.now,
        });
      }
      if (action === 'reopen' || action === 'cancel' || action === 'merge') {
        await tx.m.update(Callback, { workOrderId: after.id, state: 'pending' }, { state: 'cancelled' });
      }
      if (action === 'dispatch' || action === 'reopen') {
        // The deadlines just opened (this observer follows the deadlines'): an order exempted for
        // a unit stays out of its figures when the unit gets it again, as a redo or a re-dispatch.
        await tx.m.query(
          `UPDATE work_order_milestones ms SET exempt = true FROM exemptions e
           WHERE ms.work_order_id = $1 AND NOT ms.exempt AND e.work_order_id = ms.work_order_id AND e.unit_id = ms.unit_id AND e.state = 'approved'`,
          [after.id],
        );
      }
    },
  };

  list(query: { state?: CallbackState; dueBefore?: string; limit?: number }): Promise<CallbackView[]> {
    return this.db.read(async (m) => {
      const where: FindOptionsWhere<Callback> = { ...(query.state && { state: query.state }), ...(query.dueBefore && { dueAt: LessThanOrEqual(new Date(query.dueBefore)) }) };
      return this.views(m, await m.find(Callback, { where, order: { dueAt: 'ASC', id: 'ASC' }, take: query.limit ?? 100 }));
    });
  }

  get(id: string): Promise<CallbackView> {
    return this.db.read(async (m) => {
      const row = await m.findOneBy(Callback, { id });
      if (!row) throw notFound('callback', id);
      return (await this.views(m, [row]))[0];
    });
  }

  /** Records one call: a satisfaction level, or unreachable (counted apart after the last try). */
  attempt(actor: Actor, id: string, input: { result: AttemptResult; unitFault?: boolean; notes?: string; version?: number }): Promise<CallbackView> {
    if (UNSATISFIED.includes(input.result) && input.unitFault === undefined) {
      throw unprocessable('unit_fault_required', 'an unsatisfied result must say whether the cause lay with the unit (unitFault)');
    }
    return this.workOrders.unitOfWork(async (tx) => {
      const [locked] = (await tx.m.query(`SELECT id FROM callbacks WHERE id = $1 FOR UPDATE`, [id])) as unknown[];
      if (!locked) throw notFound('callback', id);
      const callback = await tx.m.findOneByOrFail(Callback, { id });
      if (input.version !== undefined && input.version !== callback.version) throw conflict('version_mismatch', `the callback is at version ${callback.version}, not ${input.version}`);
      if (callback.state !== 'pending') throw conflict('callback_closed', `the callback is ${callback.state}`, { state: callback.state });
      const number = callback.attempts + 1;
      const unitFault = input.result === 'unreachable' ? null : (input.unitFault ?? false);
      await tx.m.insert(CallbackAttempt, { callbackId: id, number, at: tx.now, byName: actor.name, result: input.result, unitFault, notes: input.notes ?? '' });
      const maxAttempts = await this.settings.get(tx.m, 'callbacks.maxAttempts');
      const ended = input.result !== 'unreachable' || number >= maxAttempts;
      const state: CallbackState = input.result === 'unreachable' ? (ended ? 'unreachable' : 'pending') : 'done';
      await tx.m.update(Callback, { id }, {
        attempts: number,
        state,
        satisfaction: input.result === 'unreachable' ? null : input.result,
        unitFault,
        completedAt: ended ? tx.now : null,
        version: callback.version + 1,
      });

      let order = await tx.m.findOneByOrFail(WorkOrder, { id: callback.workOrderId });
      await this.workOrders.recordEvent(tx, order, actor, 'callback', order.state, {
        reason: `回访第 ${number} 次: ${LABELS[input.result]}${input.notes ? `: ${input.notes}` : ''}`,
        details: { callbackId: id, cycle: callback.cycle, attempt: number, result: input.result, unitFault, state },
      });
      const satisfied = await this.settings.get(tx.m, 'assessment.satisfiedLevels');
      const redo = state === 'done' && unitFault === true && !(satisfied as string[]).includes(input.result) && (order.state === 'replied' || order.state === 'closed');
      const unsatisfied = state === 'done' && !(satisfied as string[]).includes(input.result);
      if (unsatisfied && callback.cycle >= 2 && (await this.settings.get(tx.m, 'supervision.slipOnFailedRedo'))) {
        // The call after a redo (重办) and the citizen still unsatisfied, whoever's the fault: the director supervises.
        await this.supervision.raiseByRule(tx, order, 'redo_failed', `重办后回访仍${LABELS[input.result]}${input.notes ? `: ${input.notes}` : ''}`.slice(0, 2000));
      }
      if (redo) {
        order = await this.workOrders.transition(tx, actor, order, 'reopen', { reason: `回访${LABELS[input.result]},责任在承办单位,重办${input.notes ? `: ${input.notes}` : ''}`.slice(0, 2000) });
      }
      return (await this.views(tx.m, [await tx.m.findOneByOrFail(Callback, { id })]))[0];
    });
  }

  /** A unit that holds or held the order asks for it to leave its figures. */
  requestExemption(actor: Actor, orderId: string, reason: string): Promise<ExemptionView> {
    return this.workOrders.unitOfWork(async (tx) => {
      const order = await tx.m.findOneBy(WorkOrder, { id: orderId });
      if (!order || !actor.unitId || !order.holderUnitIds.includes(actor.unitId)) throw notFound('work order', orderId);
      const open = await tx.m.findOneBy(Exemption, { workOrderId: orderId, unitId: actor.unitId, state: In(['requested', 'approved']) });
      if (open) throw conflict('exemption_exists', `an exemption for this order is already ${open.state}`, { exemptionId: open.id });
      const id = randomUUID();
      await tx.m.insert(Exemption, { id, workOrderId: orderId, unitId: actor.unitId, reason, state: 'requested', requestedBy: actor.name, requestedAt: tx.now });
      await this.workOrders.recordEvent(tx, order, actor, 'request-exemption', order.state, { reason, details: { exemptionId: id } });
      return (await this.exemptionViews(tx.m, [await tx.m.findOneByOrFail(Exemption, { id })]))[0];
    });
  }

  /** The centre approves (the order leaves the unit's figures) or refuses an exemption. */
  decideExemption(actor: Actor, id: string, approve: boolean, note?: string): Promise<ExemptionView> {
    return this.workOrders.unitOfWork(async (tx) => {
      const [locked] = (await tx.m.query(`SELECT id FROM exemptions WHERE id = $1 FOR UPDATE`, [id])) as unknown[];
      if (!locked) throw notFound('exemption', id);
      const exemption = await tx.m.findOneByOrFail(Exemption, { id });
      if (exemption.state !== 'requested') throw conflict('exemption_decided', `the exemption is already ${exemption.state}`, { state: exemption.state });
      await tx.m.update(Exemption, { id }, { state: approve ? 'approved' : 'refused', decidedBy: actor.name, decidedAt: tx.now, decisionNote: note ?? null });
      if (approve) {
        await tx.m.update(MilestoneRow, { workOrderId: exemption.workOrderId, unitId: exemption.unitId }, { exempt: true });
        await tx.m.update(Callback, { workOrderId: exemption.workOrderId, unitId: exemption.unitId }, { exempt: true });
      }
      const order = await tx.m.findOneByOrFail(WorkOrder, { id: exemption.workOrderId });
      await this.workOrders.recordEvent(tx, order, actor, approve ? 'approve-exemption' : 'refuse-exemption', order.state, {
        reason: note ?? null,
        details: { exemptionId: id, unitId: exemption.unitId },
      });
      return (await this.exemptionViews(tx.m, [await tx.m.findOneByOrFail(Exemption, { id })]))[0];
    });
  }

  listExemptions(actor: Actor, query: { state?: ExemptionState }): Promise<ExemptionView[]> {
    return this.db.read(async (m) => {
      const where: FindOptionsWhere<Exemption> = { ...(query.state && { state: query.state }), ...(actor.role === 'unit' && { unitId: actor.unitId! }) };
      return this.exemptionViews(m, await m.find(Exemption, { where, order: { requestedAt: 'DESC' }, take: 500 }));
    });
  }

  private async views(m: EntityManager, rows: Callback[]): Promise<CallbackView[]> {
    if (!rows.length) return [];
    const orders = new Map((await m.findBy(WorkOrder, { id: In(rows.map((r) => r.workOrderId)) })).map((o) => [o.id, o]));
    const attempts = await m.find(CallbackAttempt, { where: { callbackId: In(rows.map((r) => r.id)) }, order: { number: 'ASC' } });
    const refs = await unitRefs(m, rows.map((r) => r.unitId));
    return rows.map((r) => {
      const o = orders.get(r.workOrderId)!;
      return {
        id: r.id,
        workOrder: { id: o.id, externalNo: o.externalNo, state: o.state, content: o.content, citizen: { name: o.citizenName, phone: o.citizenPhone } },
        cycle: r.cycle,
        unit: refs.get(r.unitId) ?? null,
        repliedAt: r.repliedAt.toISOString(),
        dueAt: r.dueAt.toISOString(),
        state: r.state,
        attempts: attempts
          .filter((a) => a.callbackId === r.id)
          .map((a) => ({ number: a.number, at: a.at.toISOString(), by: a.byName, result: a.result, unitFault: a.unitFault, notes: a.notes })),
        satisfaction: r.satisfaction,
        unitFault: r.unitFault,
        completedAt: r.completedAt?.toISOString() ?? null,
        exempt: r.exempt,
        version: r.version,
      };
    });
  }

  private async exemptionViews(m: EntityManager, rows: Exemption[]): Promise<ExemptionView[]> {
    if (!rows.length) return [];
    const orders = new Map((await m.findBy(WorkOrder, { id: In(rows.map((r) => r.workOrderId)) })).map((o) => [o.id, o.externalNo]));
    const refs = await unitRefs(m, rows.map((r) => r.unitId));
    return rows.map((r) => ({
      id: r.id,
      workOrderId: r.workOrderId,
      externalNo: orders.get(r.workOrderId) ?? '',
      unit: refs.get(r.unitId) ?? null,
      reason: r.reason,
      state: r.state,
      requestedBy: r.requestedBy,
      requestedAt: r.requestedAt.toISOString(),
      decidedBy: r.decidedBy,
      decidedAt: r.decidedAt?.toISOString() ?? null,
      decisionNote: r.decisionNote,
    }));
  }
}
