import { TZDate } from '@date-fns/tz';
import { In, type EntityManager } from 'typeorm';
import { readRows, returnedRows, type Database } from '../../db/database';
import { AppError, conflict, notFound, unprocessable } from '../../errors';
import { SYSTEM_ACTOR, type Actor } from '../auth/actor';
import { unitRefs } from '../directory/directory.service';
import { Unit } from '../directory/unit.entity';
import type { WebhookService } from '../notifications/webhook.service';
import type { SettingsService } from '../settings/settings.service';
import { WorkOrder } from '../work-orders/work-order.entity';
import type { SystemAction, WorkOrderService } from '../work-orders/work-order.service';
import type { OrderObserver, OrderSlip, OrderTx } from '../work-orders/order-change';
import { SupervisionSlip, SupervisionSlipNote, SupervisionSlipOrder, SupervisionTrigger, type SlipState, type SlipTrigger } from './slip.entity';
import type { SlipView } from './supervision.schemas';

/** Working-day arithmetic on the bureau's calendar, as the deadlines module provides it. */
export interface WorkingClock {
  addWorkingDays(m: EntityManager, from: Date, days: number): Promise<Date>;
}

/** Events a slip records on the orders it covers: raised (escalate), its course, its deadline's notices, sent back, closed. */
type SlipAction = Extract<SystemAction, 'escalate' | 'close-slip' | 'send-back-slip' | 'slip-warn' | 'slip-overdue' | 'slip-progress' | 'slip-chief-callback' | 'slip-result'>;

/** How long before a slip's deadline its handling unit is warned. */
const SLIP_WARN_BEFORE_MS = 24 * 3600_000;

interface SlipOfOrderRow {
  order_id: string;
  id: string;
  year: number;
  number: number;
  trigger: SlipTrigger;
  state: SlipState;
  due_at: Date | string;
}

const SLIPS_OF_ORDERS = `
  SELECT so.work_order_id AS order_id, s.id AS id, s.year AS year, s.number AS number, s.trigger AS trigger, s.state AS state, s.due_at AS due_at
  FROM supervision_slip_orders so JOIN supervision_slips s ON s.id = so.slip_id
  WHERE so.work_order_id = ANY($1::uuid[])`;
const SLIPS_ORDER = `ORDER BY s.created_at ASC, s.number ASC`;

/** 督办〔2026〕7号 */
export function slipNumber(year: number, number: number): string {
  return `督办〔${year}〕${number}号`;
}

/**
 * Director supervision slips (《局长督办单》, domain.md §8): raised by rules or by a
 * commander, handled by the unit's chief, closed only by a commander's sign-off.
 */
export class SupervisionService {
  constructor(
    private readonly db: Database,
    private readonly workOrders: WorkOrderService,
    private readonly settings: SettingsService,
    private readonly clock: WorkingClock,
    private readonly webhooks: WebhookService,
    private readonly timeZone: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The slips over each of these orders, oldest first, in one query whatever the number of
   * orders; unit staff see only their own unit's slips, as on GET /api/v1/supervision-slips.
   */
  async slipsOf(m: EntityManager, orderIds: string[], now: Date, actor: Actor): Promise<Map<string, OrderSlip[]>> {
    const byOrder = new Map<string, OrderSlip[]>();
    if (orderIds.length === 0) return byOrder;
    // Every order's view asks: plain SQL, prepared (readRows); a unit sees only its own slips.
    const rows =
      actor.role === 'unit'
        ? await readRows<SlipOfOrderRow>(m, `${SLIPS_OF_ORDERS} AND s.unit_id = $2 ${SLIPS_ORDER}`, [orderIds, actor.unitId])
        : await readRows<SlipOfOrderRow>(m, `${SLIPS_OF_ORDERS} ${SLIPS_ORDER}`, [orderIds]);
    for (const r of rows) {
      const dueAt = new Date(r.due_at);
      const list = byOrder.get(r.order_id) ?? [];
      list.push({
        id: r.id,
        number: slipNumber(Number(r.year), Number(r.number)),
        trigger: r.trigger,
        state: r.state,
        dueAt: dueAt.toISOString(),
        overdue: r.state !== 'closed' && dueAt.getTime() < now.getTime(),
      });
      byOrder.set(r.order_id, list);
    }
    return byOrder;
  }

  /** The rules that raise slips as orders change: a difficult order, a failed redo, repeats about one source. */
  readonly observer: OrderObserver = {
    orderChanged: async (tx, { after, action, input }) => {
      if (action === 'mark-difficult') {
        await this.raiseByRule(tx, after, 'difficult', input.reason ?? '疑难工单');
      } else if (action === 'reopen' && (await this.settings.get(tx.m, 'supervision.slipOnFailedRedo')) && (await this.redosBefore(tx.m, after.id)) >= 1) {
        // Reopened again: the first redo (重办) did not satisfy the citizen.
        await this.raiseByRule(tx, after, 'redo_failed', `重办后仍不满意: ${input.reason ?? ''}`.trim());
      } else if (action === 'merge' && after.mergedIntoId) {
        // The order it went into, which is the group's original when the one named was a repeat.
        await this.checkRepeats(tx, after.mergedIntoId);
      }
    },
  };

  /**
   * A rule raises a slip for one order inside its unit of work; null when that rule already
   * raised one for it. The trigger row is claimed first (its slip named at the end, hence
   * the deferred foreign key), so two workers racing raise one slip.
   */
  async raiseByRule(tx: OrderTx, order: WorkOrder, trigger: Exclude<SlipTrigger, 'commander'>, reason: string): Promise<SupervisionSlip | null> {
    const claimed = (await tx.m.query(
      `INSERT INTO supervision_triggers (work_order_id, trigger, slip_id) VALUES ($1, $2, gen_random_uuid()) ON CONFLICT DO NOTHING RETURNING slip_id`,
      [order.id, trigger],
    )) as unknown[];
    if (claimed.length === 0) return null;
    const slip = await this.raise(tx, [order], { trigger, reason, raisedBy: SYSTEM_ACTOR });
    await tx.m.update(SupervisionTrigger, { workOrderId: order.id, trigger }, { slipId: slip.id });
    return slip;
  }

  private async redosBefore(m: EntityManager, orderId: string): Promise<number> {
    const [{ n }] = (await m.query(`SELECT count(*)::int AS n FROM work_order_events WHERE work_order_id = $1 AND action = 'reopen'`, [orderId])) as { n: number }[];
    return n - 1;
  }

  /**
   * Repeats (重复件) merged into one original beyond the setting: the source gets a slip, if a unit
   * holds it. Checked on each merge, and again when merged repeats follow their order to its
   * original (RepeatService): one slip per original whichever path it reached the count by.
   */
  async checkRepeats(tx: OrderTx, originalId: string): Promise<void> {
    const threshold = await this.settings.get(tx.m, 'supervision.repeatThreshold');
    const [{ n }] = (await tx.m.query(`SELECT count(*)::int AS n FROM work_orders WHERE merged_into_id = $1`, [originalId])) as { n: number }[];
    if (n < threshold) return;
    const original = await tx.m.findOneByOrFail(WorkOrder, { id: originalId });
    if (!original.leadUnitId || !['dispatched', 'signed', 'reopened', 'replied'].includes(original.state)) return;
    await this.raiseByRule(tx, original, 'repeats', `同一问题重复投诉 ${n} 次`);
  }

  async raiseByCommander(actor: Actor, input: { orderIds: string[]; reason: string; title?: string; workingDays?: number }): Promise<SlipView> {
    return this.workOrders.unitOfWork(async (tx) => {
      const orders = await tx.m.findBy(WorkOrder, { id: In(input.orderIds) });
      const missing = input.orderIds.filter((id) => !orders.some((o) => o.id === id));
      if (missing.length) throw unprocessable('unknown_order', `no work order ${missing.join(', ')}`);
      const slip = await this.raise(tx, orders, { trigger: 'commander', reason: input.reason, title: input.title, workingDays: input.workingDays, raisedBy: actor });
      return this.view(tx.m, slip);
    });
  }

  list(actor: Actor, filter: { state?: SlipState[]; unitCode?: string; sort?: 'due' | 'unit'; limit?: number }): Promise<SlipView[]> {
    return this.db.read(async (m) => {
      const qb = m.createQueryBuilder(SupervisionSlip, 's');
      if (filter.state?.length) qb.andWhere('s.state IN (:...states)', { states: filter.state });
      if (actor.role === 'unit') qb.andWhere('s.unit_id = :own', { own: actor.unitId });
      if (filter.unitCode) {
        const unit = await m.findOneBy(Unit, { code: filter.unitCode });
        if (!unit) throw unprocessable('unknown_unit', `no unit with code ${filter.unitCode}`);
        qb.andWhere('s.unit_id = :unit', { unit: unit.id });
      }
      if (filter.sort === 'unit') qb.leftJoin(Unit, 'u', 'u.id = s.unit_id').orderBy('u.code', 'ASC').addOrderBy('s.due_at', 'ASC');
      else qb.orderBy('s.due_at', 'ASC');
      const slips = await qb.addOrderBy('s.number', 'ASC').limit(filter.limit ?? 200).getMany();
      return this.views(m, slips);
    });
  }

  get(actor: Actor, id: string): Promise<SlipView> {
    return this.db.read(async (m) => this.view(m, await this.visible(m, actor, id)));
  }

  /** Progress notes: by the handling unit, the centre or a commander; each is in the history of the slip's orders too. */
  addProgress(actor: Actor, id: string, text: string): Promise<SlipView> {
    return this.change(
      actor,
      id,
      ['open', 'result_submitted'],
      async (m, slip) => {
        await this.note(m, slip, actor, 'progress', text);
      },
      { action: 'slip-progress', reason: text },
    );
  }

  /** The chief's own callback to the citizen (局长督办: the unit chief calls back personally). */
  recordChiefCallback(actor: Actor, id: string, input: { calledAt: string; satisfaction: string; text: string }): Promise<SlipView> {
    return this.change(
      actor,
      id,
      ['open', 'result_submitted'],
      async (m, slip) => {
        this.requireHandlingUnit(actor, slip);
        slip.chiefCallback = { ...input, by: actor.name };
        await this.note(m, slip, actor, 'chief_callback', `${input.satisfaction}: ${input.text}`);
      },
      { action: 'slip-chief-callback', reason: `${input.satisfaction}: ${input.text}` },
    );
  }

  submitResult(actor: Actor, id: string, text: string): Promise<SlipView> {
    return this.change(
      actor,
      id,
      ['open'],
      async (m, slip) => {
        this.requireHandlingUnit(actor, slip);
        if (!slip.chiefCallback) throw conflict('chief_callback_missing', "record the chief's callback to the citizen before the result");
        slip.result = text;
        slip.state = 'result_submitted';
        await this.note(m, slip, actor, 'result', text);
      },
      { action: 'slip-result', reason: text },
    );
  }

  /** A commander's sign-off closes the slip; each order it covers records it and the handling unit is told. */
  close(actor: Actor, id: string, text: string): Promise<SlipView> {
    return this.change(
      actor,
      id,
      ['result_submitted'],
      async (m, slip, now) => {
        slip.state = 'closed';
        slip.closedBy = actor.name;
        slip.closedAt = now;
        await this.note(m, slip, actor, 'sign_off', text);
      },
      { action: 'close-slip', reason: text },
    );
  }

  /** A commander sends the result back: the slip is open again, recorded on its orders and told to the unit. */
  sendBack(actor: Actor, id: string, reason: string): Promise<SlipView> {
    return this.change(
      actor,
      id,
      ['result_submitted'],
      async (m, slip) => {
        slip.state = 'open';
        slip.result = null;
        await this.note(m, slip, actor, 'reopen', reason);
      },
      { action: 'send-back-slip', reason },
    );
  }

  private async raise(
    tx: OrderTx,
    orders: WorkOrder[],
    input: { trigger: SlipTrigger; reason: string; title?: string; workingDays?: number; raisedBy: Actor },
  ): Promise<SupervisionSlip> {
    const { m, now } = tx;
    const unitIds = [...new Set(orders.map((o) => o.leadUnitId))];
    if (unitIds.length !== 1 || !unitIds[0]) {
      throw unprocessable('slip_needs_one_unit', 'a slip covers orders held by one handling unit; dispatch them first');
    }
    const unit = await m.findOneByOrFail(Unit, { id: unitIds[0] });
    const year = new TZDate(now, this.timeZone).getFullYear();
    const [{ last_number: number }] = (await m.query(
      `INSERT INTO slip_counters (year, last_number) VALUES ($1, 1)
       ON CONFLICT (year) DO UPDATE SET last_number = slip_counters.last_number + 1 RETURNING last_number`,
      [year],
    )) as { last_number: number }[];
    const workingDays = input.workingDays ?? (await this.settings.get(m, 'supervision.slipWorkingDays'));
    const slip = m.create(SupervisionSlip, {
      year,
      number,
      title: input.title ?? `${unit.name}:${orders[0].content.slice(0, 30)}`,
      trigger: input.trigger,
      reason: input.reason,
      unitId: unit.id,
      leadName: await this.settings.get(m, 'supervision.leadName'),
      supervisorName: unit.contact.deputy ?? `${unit.name}分管负责人`,
      handlerName: unit.contact.chief ?? `${unit.name}主要负责人`,
      dueAt: await this.clock.addWorkingDays(m, now, workingDays),
      state: 'open',
      chiefCallback: null,
      result: null,
      raisedBy: input.raisedBy.name,
      closedBy: null,
      closedAt: null,
      createdAt: now,
    });
    await m.insert(SupervisionSlip, slip);
    await m.insert(SupervisionSlipOrder, orders.map((o) => ({ slipId: slip.id, workOrderId: o.id })));
    await this.announce(tx, slip, orders, input.raisedBy, 'escalate', input.reason);
    return slip;
  }

  /**
   * Records a slip event on each order the slip covers (the order itself does not change)
   * and owes it to the handling unit's webhook, in the same transaction as the slip.
   */
  private async announce(tx: OrderTx, slip: SupervisionSlip, orders: WorkOrder[], actor: Actor, action: SlipAction, reason: string): Promise<void> {
    const details = { slip: slipNumber(slip.year, slip.number), slipId: slip.id, trigger: slip.trigger, slipState: slip.state, dueAt: slip.dueAt.toISOString() };
    for (const order of orders) {
      const eventId = await this.workOrders.recordEvent(tx, order, actor, action, order.state, { reason, details });
      await this.webhooks.notify(tx, eventId, actor, [slip.unitId]);
    }
  }

  private async change(
    actor: Actor,
    id: string,
    from: SlipState[],
    apply: (m: EntityManager, slip: SupervisionSlip, now: Date) => Promise<void>,
    event: { action: SlipAction; reason: string },
  ): Promise<SlipView> {
    return this.workOrders.unitOfWork(async (tx) => {
      const { m } = tx;
      const slip = await this.visible(m, actor, id);
      if (!from.includes(slip.state)) throw conflict('slip_state', `the slip is ${slip.state}; this needs it ${from.join(' or ')}`, { state: slip.state });
      const version = slip.version;
      await apply(m, slip, tx.now);
      const saved = await m
        .createQueryBuilder()
        .update(SupervisionSlip)
        .set({ state: slip.state, result: slip.result, chiefCallback: slip.chiefCallback as never, closedBy: slip.closedBy, closedAt: slip.closedAt })
        .where('id = :id AND version = :version', { id, version })
        .returning(['id'])
        .execute();
      if (returnedRows(saved.raw).length === 0) throw conflict('version_conflict', 'someone else changed the slip at the same moment; reload it');
      await this.announce(tx, slip, await this.ordersOf(m, id), actor, event.action, event.reason);
      return this.view(m, await m.findOneByOrFail(SupervisionSlip, { id }));
    });
  }

  /**
   * A slip's own deadline: the handling unit is warned a day before and told once it has passed,
   * each an event on the slip's orders delivered to the unit. The sweep finds the slips through
   * partial indexes and checks each; the row lock and the times kept on the slip make every
   * notice happen once, however many workers sweep.
   */
  async sweep(): Promise<number> {
    const now = this.now();
    const due = await this.db.statement<{ id: string }>(
      `(SELECT id FROM supervision_slips WHERE state = 'open' AND warned_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT 500)
       UNION
       (SELECT id FROM supervision_slips WHERE state = 'open' AND overdue_at IS NULL AND due_at <= $2 ORDER BY due_at LIMIT 500)`,
      [new Date(now.getTime() + SLIP_WARN_BEFORE_MS), now],
    );
    for (const { id } of due) await this.checkDeadline(id);
    return due.length;
  }

  async checkDeadline(id: string): Promise<void> {
    await this.workOrders.unitOfWork(async (tx) => {
      const { m, now } = tx;
      const [locked] = (await m.query(`SELECT id FROM supervision_slips WHERE id = $1 AND state = 'open' FOR UPDATE`, [id])) as unknown[];
      if (!locked) return;
      const slip = await m.findOneByOrFail(SupervisionSlip, { id });
      const overdue = slip.overdueAt === null && now.getTime() >= slip.dueAt.getTime();
      const warn = !overdue && slip.warnedAt === null && now.getTime() >= slip.dueAt.getTime() - SLIP_WARN_BEFORE_MS;
      if (!overdue && !warn) return;
      // A note on the slip, not a change someone made to it: its version stays.
      await m.query(`UPDATE supervision_slips SET warned_at = coalesce(warned_at, $2), overdue_at = CASE WHEN $3 THEN $2 ELSE overdue_at END WHERE id = $1`, [id, now, overdue]);
      const number = slipNumber(slip.year, slip.number);
      await this.announce(tx, slip, await this.ordersOf(m, id), SYSTEM_ACTOR, overdue ? 'slip-overdue' : 'slip-warn', overdue ? `${number}已超过办理期限` : `${number}将在一天内到期`);
    });
  }

  /** The orders a slip covers, oldest first. */
  private async ordersOf(m: EntityManager, slipId: string): Promise<WorkOrder[]> {
    const links = await m.findBy(SupervisionSlipOrder, { slipId });
    return m.find(WorkOrder, { where: { id: In(links.map((l) => l.workOrderId)) }, order: { receivedAt: 'ASC' } });
  }

  private requireHandlingUnit(actor: Actor, slip: SupervisionSlip): void {
    if (actor.role !== 'unit' || actor.unitId !== slip.unitId) throw new AppError(403, 'not_handling_unit', "only the handling unit's staff record this");
  }

  private async note(m: EntityManager, slip: SupervisionSlip, actor: Actor, kind: SupervisionSlipNote['kind'], text: string): Promise<void> {
    await m.insert(SupervisionSlipNote, { slipId: slip.id, kind, text, authorName: actor.name, authorRole: actor.role, at: this.now() });
  }

  private async visible(m: EntityManager, actor: Actor, id: string): Promise<SupervisionSlip> {
    const slip = await m.findOneBy(SupervisionSlip, { id });
    if (!slip || (actor.role === 'unit' && actor.unitId !== slip.unitId)) throw notFound('supervision slip', id);
    return slip;
  }

  private async view(m: EntityManager, slip: SupervisionSlip): Promise<SlipView> {
    return (await this.views(m, [slip]))[0];
  }

  private async views(m: EntityManager, slips: SupervisionSlip[]): Promise<SlipView[]> {
    if (slips.length === 0) return [];
    const ids = slips.map((s) => s.id);
    const links = await m.findBy(SupervisionSlipOrder, { slipId: In(ids) });
    const orders = links.length
      ? await m.find(WorkOrder, { select: { id: true, externalNo: true, state: true }, where: { id: In(links.map((l) => l.workOrderId)) } })
      : [];
    const notes = await m.find(SupervisionSlipNote, { where: { slipId: In(ids) }, order: { at: 'ASC' } });
    const refs = await unitRefs(m, slips.map((s) => s.unitId));
    const now = this.now().getTime();
    return slips.map((s) => ({
      id: s.id,
      number: slipNumber(s.year, s.number),
      title: s.title,
      trigger: s.trigger,
      reason: s.reason,
      unit: refs.get(s.unitId) ?? null,
      leadName: s.leadName,
      supervisorName: s.supervisorName,
      handlerName: s.handlerName,
      dueAt: s.dueAt.toISOString(),
      overdue: s.state !== 'closed' && s.dueAt.getTime() < now,
      state: s.state,
      orders: links
        .filter((l) => l.slipId === s.id)
        .map((l) => orders.find((o) => o.id === l.workOrderId)!)
        .map((o) => ({ id: o.id, externalNo: o.externalNo, state: o.state })),
      notes: notes.filter((n) => n.slipId === s.id).map((n) => ({ kind: n.kind, text: n.text, authorName: n.authorName, authorRole: n.authorRole, at: n.at.toISOString() })),
      chiefCallback: s.chiefCallback,
      result: s.result,
      raisedBy: s.raisedBy,
      closedBy: s.closedBy,
      closedAt: s.closedAt ? s.closedAt.toISOString() : null,
      createdAt: s.createdAt.toISOString(),
      version: s.version,
    }));
  }
}
