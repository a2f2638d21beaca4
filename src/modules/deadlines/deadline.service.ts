import type { FastifyBaseLogger } from 'fastify';
import { Between, In, type EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { returnedRows, type Database } from '../../db/database';
import { conflict, notFound, unprocessable } from '../../errors';
import { SYSTEM_ACTOR, type Actor } from '../../plugins/auth';
import type { JobQueue } from '../../jobs/catalogue';
import type { WebhookService } from '../notifications/webhook.service';
import type { SupervisionService, WorkingClock } from '../supervision/supervision.service';
import { WorkOrder } from '../work-orders/work-order.entity';
import type { OrderChange, OrderObserver, OrderTx, WorkOrderService } from '../work-orders/work-order.service';
import { CalendarDayRow, DeadlinePolicyRow, MilestoneRow, UrgeRow } from './deadline.entities';
import { holidaysFromPackage } from './holidays';
import { DEFAULT_POLICIES, deadlineFor, dueWork, extendDeadline, planMilestones, selectPolicy, warningFor, type Milestone, type PolicyRules } from './policy';
import { addWorkingDays, WorkingCalendar, type CalendarDay } from './working-time';

const MILESTONE_NAMES: Record<Milestone, string> = { sign: '签收', reply: '回复', close: '办结' };

/** Years of holidays seeded from the chinese-days package (it covers 2004–2026 in version 1.5). */
const SEEDED_YEARS = [2020, 2026] as const;
/** How long a process keeps the calendar and the policies before reading them again, in milliseconds. */
const CACHE_MS = 30_000;
/** Timers further out than this are not set in-process; the sweep finds the work when it is due. */
const LONGEST_DELAY_MS = 6 * 3_600_000;

export interface MilestoneView {
  milestone: Milestone;
  unitId: string;
  cycle: number;
  startsAt: string;
  dueAt: string;
  warnAt: string;
  extendedDays: number;
  state: 'open' | 'met' | 'cancelled';
  metAt: string | null;
  overdue: boolean;
  late: boolean;
  lateMs: number;
  urgeCount: number;
}

/**
 * Deadlines on the working-day calendar (domain.md §7): milestones opened on dispatch, redo
 * and extension, met or ended by the life cycle; warnings, overdue marks, urges and
 * escalations done by jobs, each exactly once, with a sweep that re-derives due work from
 * the database so that a lost job or a flushed Redis loses nothing.
 */
export class DeadlineService implements WorkingClock {
  private calendarCache?: { calendar: WorkingCalendar; until: number };
  private policyCache?: { policies: DeadlinePolicyRow[]; until: number };

  constructor(
    private readonly db: Database,
    private readonly workOrders: WorkOrderService,
    private readonly jobs: JobQueue,
    private readonly webhooks: WebhookService,
    private readonly supervision: () => SupervisionService,
    private readonly config: Pick<Config, 'TZ_BUREAU' | 'WORKING_HOURS_OPEN' | 'WORKING_HOURS_CLOSE'>,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Seeds the holidays of the package's years and the default policies when the tables are empty. */
  async seed(): Promise<void> {
    await this.db.write(async (m) => {
      if (!(await m.existsBy(CalendarDayRow, { source: 'package' }))) {
        const days = holidaysFromPackage(...SEEDED_YEARS);
        await m.createQueryBuilder().insert().into(CalendarDayRow).values(days.map((d) => ({ day: d.date, kind: d.kind, name: d.name, source: 'package' as const, updatedAt: this.now() }))).orIgnore().execute();
      }
      if ((await m.count(DeadlinePolicyRow)) === 0) {
        await m
          .createQueryBuilder()
          .insert()
          .into(DeadlinePolicyRow)
          .values(DEFAULT_POLICIES.map((p) => ({ name: p.name, requestType: p.requestType, urgency: p.urgency, category: p.category, rules: p.rules as never, active: true, version: 1, updatedAt: this.now() })))
          .orIgnore()
          .execute();
      }
    });
    this.forget();
  }

  // ---- the observer: milestones follow the life cycle -------------------------------------

  readonly observer: OrderObserver = {
    amend: async (tx, order, action) => {
      if (action !== 'dispatch') return {};
      // The return window runs from the dispatch: a unit cannot have returned before it had the order.
      const { rules } = await this.rulesFor(tx.m, order);
      return { returnDueAt: deadlineFor(await this.calendar(tx.m), tx.now, rules.returnWindow) };
    },
    orderChanged: (tx, change) => this.follow(tx, change),
  };

  private async follow(tx: OrderTx, { before, after, action, input }: OrderChange): Promise<void> {
    const { m, now } = tx;
    switch (action) {
      case 'dispatch':
      case 'reopen': {
        // The citizen's clock starts at receipt: the first dispatch counts from then; a re-dispatch or a redo from now.
        const first = action === 'dispatch' && after.dispatchCount === 1;
        const start = first && after.receivedAt.getTime() < now.getTime() ? after.receivedAt : now;
        await this.open(tx, after, await this.rulesFor(m, after), start);
        return;
      }
      case 'sign':
        return this.meet(m, after.id, ['sign'], now);
      case 'reply':
        return this.meet(m, after.id, ['sign', 'reply'], now);
      case 'close':
        return this.meet(m, after.id, ['sign', 'reply', 'close'], now);
      case 'approve-return':
      case 'cancel':
      case 'merge':
        return this.end(m, before.id, now);
      case 'request-extension': {
        const open = await m.findBy(MilestoneRow, { workOrderId: after.id, state: 'open', milestone: In(['reply', 'close']) });
        const passed = open.find((ms) => ms.dueAt.getTime() <= now.getTime());
        if (passed) throw conflict('deadline_passed', `the ${passed.milestone} deadline passed at ${passed.dueAt.toISOString()}: an extension is asked for before it`);
        const { rules } = await this.rulesFor(m, after);
        if ((input.workingDays ?? 0) > rules.maxExtensionWorkingDays) {
          throw unprocessable('extension_too_long', `an extension may add at most ${rules.maxExtensionWorkingDays} working days`);
        }
        return;
      }
      case 'approve-extension':
        return this.extend(tx, after.id, before.pendingExtension?.workingDays ?? 0);
      default:
        return;
    }
  }

  /** Opens sign, reply and close for the lead unit; the previous set of the order ends. */
  private async open(tx: OrderTx, order: WorkOrder, policy: DeadlinePolicyRow, start: Date): Promise<void> {
    const { m, now } = tx;
    await this.end(m, order.id, now);
    const calendar = await this.calendar(m);
    const planned = planMilestones(calendar, policy.rules, start);
    const result = await m
      .createQueryBuilder()
      .insert()
      .into(MilestoneRow)
      .values(
        planned.map((p) => ({
          workOrderId: order.id,
          milestone: p.milestone,
          cycle: order.version,
          unitId: order.leadUnitId!,
          policyId: policy.id,
          limitRule: p.limit as never,
          startsAt: p.startsAt,
          dueAt: p.dueAt,
          warnAt: p.warnAt,
          extendedDays: 0,
          state: 'open' as const,
          urgeCount: 0,
          createdAt: now,
        })),
      )
      .returning('*')
      .execute();
    const rows = returnedRows<{ id: string; warn_at: Date; due_at: Date }>(result.raw);
    tx.afterCommit(async () => {
      for (const r of rows) {
        await this.schedule(r.id, 'warn', new Date(r.warn_at));
        await this.schedule(r.id, 'due', new Date(r.due_at));
      }
    });
  }

  private async meet(m: EntityManager, orderId: string, which: Milestone[], now: Date): Promise<void> {
    await m.query(
      `UPDATE work_order_milestones SET state = 'met', met_at = $2, ended_at = $2, late_ms = greatest(0, floor(extract(epoch FROM ($2 - due_at)) * 1000)), next_urge_at = NULL
       WHERE work_order_id = $1 AND state = 'open' AND milestone = ANY($3)`,
      [orderId, now, which],
    );
  }

  /** The unit stops holding the order: its open milestones end; one already overdue stays a breach. */
  private async end(m: EntityManager, orderId: string, now: Date): Promise<void> {
    await m.query(
      `UPDATE work_order_milestones SET state = 'cancelled', ended_at = $2, late_ms = greatest(0, floor(extract(epoch FROM ($2 - due_at)) * 1000)), next_urge_at = NULL
       WHERE work_order_id = $1 AND state = 'open'`,
      [orderId, now],
    );
  }

  private async extend(tx: OrderTx, orderId: string, workingDays: number): Promise<void> {
    const { m } = tx;
    const calendar = await this.calendar(m);
    const open = await m.findBy(MilestoneRow, { workOrderId: orderId, state: 'open', milestone: In(['reply', 'close']) });
    for (const ms of open) {
      const dueAt = extendDeadline(calendar, ms.dueAt, workingDays);
      await this.moveDeadline(tx, ms, dueAt, ms.extendedDays + workingDays);
    }
  }

  /** A new deadline for an open milestone: its warning and overdue mark are taken again from it. */
  private async moveDeadline(tx: OrderTx, ms: MilestoneRow, dueAt: Date, extendedDays: number): Promise<void> {
    const warnAt = warningFor(ms.startsAt, dueAt, (await this.rulesById(tx.m, ms.policyId)).warnAtShare);
    const stillDue = dueAt.getTime() > tx.now.getTime();
    await tx.m.update(
      MilestoneRow,
      { id: ms.id },
      {
        dueAt,
        warnAt,
        extendedDays,
        ...(stillDue && { overdueAt: null, nextUrgeAt: null }),
        ...(stillDue && warnAt.getTime() > tx.now.getTime() && { warnedAt: null }),
      },
    );
    tx.afterCommit(async () => {
      await this.schedule(ms.id, 'warn', warnAt);
      await this.schedule(ms.id, 'due', dueAt);
    });
  }

  // ---- jobs -----------------------------------------------------------------------------

  /** Queues a check of a milestone at `at` (now if past); the job id makes a second request a no-op. */
  private async schedule(milestoneId: string, what: string, at: Date): Promise<void> {
    const delayMs = Math.max(0, at.getTime() - this.now().getTime());
    if (this.jobs.kind === 'in-process' && delayMs > LONGEST_DELAY_MS) return;
    await this.jobs.enqueue('deadline.check', { milestoneId }, { jobId: `deadline:${milestoneId}:${what}:${at.getTime()}`, delayMs });
  }

  /**
   * The job: does whatever is due for one milestone now (warning, overdue mark, urge,
   * escalation). The row is locked, so two workers racing do each effect once.
   */
  async check(milestoneId: string): Promise<void> {
    let next: { at: Date; what: string } | null = null;
    await this.workOrders.unitOfWork(async (tx) => {
      const { m, now } = tx;
      const [row] = (await m.query(`SELECT id FROM work_order_milestones WHERE id = $1 AND state = 'open' FOR UPDATE`, [milestoneId])) as { id: string }[];
      if (!row) return;
      const ms = await m.findOneByOrFail(MilestoneRow, { id: milestoneId });
      const rules = await this.rulesById(m, ms.policyId);
      const calendar = await this.calendar(m);
      for (let step = 0; step < 4; step++) {
        const work = dueWork(calendar, rules, ms, now);
        if (!work) break;
        const order = await m.findOneByOrFail(WorkOrder, { id: ms.workOrderId });
        if (work.kind === 'warn') {
          ms.warnedAt = now;
          await m.update(MilestoneRow, { id: ms.id }, { warnedAt: now });
          await this.notice(tx, order, ms, 'warn', { dueAt: ms.dueAt.toISOString() });
        } else if (work.kind === 'overdue') {
          ms.overdueAt = now;
          ms.nextUrgeAt = work.firstUrgeAt;
          await m.update(MilestoneRow, { id: ms.id }, { overdueAt: now, nextUrgeAt: work.firstUrgeAt, ...(ms.warnedAt === null && { warnedAt: now }) });
          ms.warnedAt ??= now;
          await this.notice(tx, order, ms, 'overdue', { dueAt: ms.dueAt.toISOString() });
        } else {
          const urged = await m.createQueryBuilder().insert().into(UrgeRow).values({ milestoneId: ms.id, workOrderId: ms.workOrderId, unitId: ms.unitId, number: work.number, at: now }).orIgnore().returning(['id']).execute();
          ms.urgeCount = work.number;
          ms.nextUrgeAt = work.nextUrgeAt;
          await m.update(MilestoneRow, { id: ms.id }, { urgeCount: work.number, nextUrgeAt: work.nextUrgeAt });
          if (returnedRows(urged.raw).length > 0) {
            await this.notice(tx, order, ms, 'urge', { number: work.number, workingDaysLate: work.workingDaysLate });
          }
          if (work.escalate && ms.escalatedAt === null) {
            ms.escalatedAt = now;
            await m.update(MilestoneRow, { id: ms.id }, { escalatedAt: now });
            await this.supervision().raiseByRule(tx, order, 'overdue', `${MILESTONE_NAMES[ms.milestone]}超期${work.workingDaysLate}个工作日,已催办${work.number}次`);
          }
        }
      }
      next = [
        ms.warnedAt === null ? { at: ms.warnAt, what: 'warn' } : null,
        ms.overdueAt === null ? { at: ms.dueAt, what: 'due' } : null,
        ms.nextUrgeAt ? { at: ms.nextUrgeAt, what: `urge${ms.urgeCount + 1}` } : null,
      ]
        .filter((x): x is { at: Date; what: string } => x !== null)
        .sort((a, b) => a.at.getTime() - b.at.getTime())[0] ?? null;
    });
    const upcoming = next as { at: Date; what: string } | null;
    if (upcoming) await this.schedule(milestoneId, upcoming.what, upcoming.at);
  }

  /**
   * The sweep: every open milestone with work due now, found through three small partial
   * indexes (an index range scan each, not a table scan), queued for a check.
   */
  async dueMilestones(now: Date, limit = 1000): Promise<string[]> {
    const rows = await this.db.statement<{ id: string }>(
      `(SELECT id FROM work_order_milestones WHERE state = 'open' AND warned_at IS NULL AND warn_at <= $1 ORDER BY warn_at LIMIT $2)
       UNION
       (SELECT id FROM work_order_milestones WHERE state = 'open' AND overdue_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2)
       UNION
       (SELECT id FROM work_order_milestones WHERE state = 'open' AND next_urge_at IS NOT NULL AND next_urge_at <= $1 ORDER BY next_urge_at LIMIT $2)`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  async sweep(): Promise<number> {
    const now = this.now();
    const due = await this.dueMilestones(now);
    const bucket = Math.floor(now.getTime() / 60_000);
    for (const id of due) await this.jobs.enqueue('deadline.check', { milestoneId: id }, { jobId: `deadline:${id}:sweep:${bucket}` });
    return due.length;
  }

  /** A notice by the system on the order (no version change), delivered to the unit charged. */
  private async notice(tx: OrderTx, order: WorkOrder, ms: MilestoneRow, action: 'warn' | 'overdue' | 'urge', details: Record<string, unknown>): Promise<void> {
    const eventId = await this.workOrders.recordEvent(tx, order, SYSTEM_ACTOR, action, order.state, {
      details: { milestone: ms.milestone, milestoneId: ms.id, ...details },
    });
    await this.webhooks.notify(tx, eventId, [ms.unitId]);
  }

  // ---- views ----------------------------------------------------------------------------

  async milestonesOf(m: EntityManager, orderIds: string[], now: Date): Promise<Map<string, MilestoneView[]>> {
    const byOrder = new Map<string, MilestoneView[]>();
    if (orderIds.length === 0) return byOrder;
    const rows = await m.find(MilestoneRow, { where: { workOrderId: In(orderIds) }, order: { cycle: 'ASC', dueAt: 'ASC' } });
    for (const r of rows) {
      const lateMs = r.lateMs !== null ? Number(r.lateMs) : Math.max(0, now.getTime() - r.dueAt.getTime());
      const list = byOrder.get(r.workOrderId) ?? [];
      list.push({
        milestone: r.milestone,
        unitId: r.unitId,
        cycle: r.cycle,
        startsAt: r.startsAt.toISOString(),
        dueAt: r.dueAt.toISOString(),
        warnAt: r.warnAt.toISOString(),
        extendedDays: r.extendedDays,
        state: r.state,
        metAt: r.metAt ? r.metAt.toISOString() : null,
        overdue: r.state === 'open' && now.getTime() > r.dueAt.getTime(),
        late: lateMs > 0,
        lateMs,
        urgeCount: r.urgeCount,
      });
      byOrder.set(r.workOrderId, list);
    }
    return byOrder;
  }

  // ---- calendar and policies --------------------------------------------------------------

  async addWorkingDays(m: EntityManager, from: Date, days: number): Promise<Date> {
    return addWorkingDays(await this.calendar(m), from, days, { startNextDay: true });
  }

  async calendar(m: EntityManager): Promise<WorkingCalendar> {
    const t = Date.now();
    if (this.calendarCache && this.calendarCache.until > t) return this.calendarCache.calendar;
    const rows = await m.find(CalendarDayRow);
    const calendar = new WorkingCalendar(
      rows.map((r) => ({ date: r.day, kind: r.kind, name: r.name })),
      this.config.TZ_BUREAU,
      { open: this.config.WORKING_HOURS_OPEN, close: this.config.WORKING_HOURS_CLOSE },
    );
    this.calendarCache = { calendar, until: t + CACHE_MS };
    return calendar;
  }

  listDays(from: string, to: string): Promise<CalendarDay[]> {
    return this.db.read(async (m) =>
      (await m.find(CalendarDayRow, { where: { day: Between(from, to) }, order: { day: 'ASC' } })).map((r) => ({ date: r.day, kind: r.kind, name: r.name })),
    );
  }

  /** An administrator sets a day (next year's notice, a local change); open deadlines it affects are computed again. */
  async setDay(actor: Actor, day: CalendarDay | { date: string; kind: null }): Promise<{ recomputed: number }> {
    const recomputed = await this.workOrders.unitOfWork(async (tx) => {
      const { m } = tx;
      if (day.kind === null) {
        if (!(await m.existsBy(CalendarDayRow, { day: day.date }))) throw notFound('calendar day', day.date);
        await m.delete(CalendarDayRow, { day: day.date });
      } else {
        await m.upsert(CalendarDayRow, { day: day.date, kind: day.kind, name: day.name, source: 'admin', updatedAt: tx.now }, ['day']);
      }
      this.forget();
      return this.recompute(tx, day.date);
    });
    this.log.info({ date: day.date, by: actor.name, recomputed }, 'calendar day changed');
    return { recomputed };
  }

  /** Open working-day milestones whose span covers the changed day get their deadline again from their rule. */
  private async recompute(tx: OrderTx, date: string): Promise<number> {
    const { m } = tx;
    const calendar = await this.calendar(m);
    const dayStart = calendar.at(date, '00:00');
    const affected = await m
      .createQueryBuilder(MilestoneRow, 'ms')
      .where("ms.state = 'open' AND ms.starts_at < :dayEnd AND ms.due_at >= :dayStart", { dayStart, dayEnd: new Date(dayStart.getTime() + 86_400_000) })
      .andWhere("ms.limit_rule->>'kind' = 'working_days'")
      .getMany();
    let changed = 0;
    for (const ms of affected) {
      let dueAt = deadlineFor(calendar, ms.startsAt, ms.limitRule);
      if (ms.extendedDays > 0) dueAt = extendDeadline(calendar, dueAt, ms.extendedDays);
      if (dueAt.getTime() === ms.dueAt.getTime()) continue;
      await this.moveDeadline(tx, ms, dueAt, ms.extendedDays);
      changed++;
    }
    return changed;
  }

  async policies(m: EntityManager): Promise<DeadlinePolicyRow[]> {
    const t = Date.now();
    if (this.policyCache && this.policyCache.until > t) return this.policyCache.policies;
    const policies = await m.find(DeadlinePolicyRow, { where: { active: true }, order: { name: 'ASC' } });
    this.policyCache = { policies, until: t + CACHE_MS };
    return policies;
  }

  listPolicies(): Promise<DeadlinePolicyRow[]> {
    return this.db.read((m) => m.find(DeadlinePolicyRow, { order: { name: 'ASC' } }));
  }

  /** Creates or changes a policy by name; it applies to deadlines set from now on. */
  async putPolicy(input: { name: string; requestType: string | null; urgency: string | null; category: string | null; rules: PolicyRules; active: boolean }): Promise<DeadlinePolicyRow> {
    const saved = await this.db.write(async (m) => {
      const existing = await m.findOneBy(DeadlinePolicyRow, { name: input.name });
      const clash = (await m.findBy(DeadlinePolicyRow, { active: true })).find(
        (p) => p.name !== input.name && p.requestType === input.requestType && p.urgency === input.urgency && p.category === input.category,
      );
      if (input.active && clash) throw conflict('policy_scope_taken', `policy ${clash.name} already covers this request type, urgency and category`);
      if (!input.active && input.requestType === null && input.urgency === null && input.category === null) {
        throw unprocessable('catch_all_required', 'the catch-all policy (no request type, urgency or category) must stay active');
      }
      const row = existing ?? m.create(DeadlinePolicyRow, { name: input.name, version: 0 });
      Object.assign(row, input, { version: row.version + 1, updatedAt: new Date() });
      return m.save(row);
    });
    this.forget();
    return saved;
  }

  private async rulesFor(m: EntityManager, order: WorkOrder): Promise<DeadlinePolicyRow> {
    return selectPolicy(await this.policies(m), { requestType: order.requestType, urgency: order.urgency, category: order.category });
  }

  private async rulesById(m: EntityManager, id: string | null): Promise<PolicyRules> {
    const policy = (await this.policies(m)).find((p) => p.id === id) ?? (id ? await m.findOneBy(DeadlinePolicyRow, { id }) : null);
    return (policy ?? (await this.policies(m)).find((p) => !p.requestType && !p.urgency && !p.category))?.rules ?? DEFAULT_POLICIES[0].rules;
  }

  private forget(): void {
    this.calendarCache = undefined;
    this.policyCache = undefined;
  }
}
