import type { FastifyBaseLogger } from 'fastify';
import { Between, In, type EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { columnList, hydrate, readRows, returnedRows, type Database } from '../../db/database';
import { conflict, notFound, unprocessable } from '../../errors';
import { SYSTEM_ACTOR, type Actor } from '../auth/actor';
import type { JobQueue } from '../../jobs/catalogue';
import type { WebhookService } from '../notifications/webhook.service';
import type { SupervisionService, WorkingClock } from '../supervision/supervision.service';
import { WorkOrder } from '../work-orders/work-order.entity';
import type { WorkOrderService } from '../work-orders/work-order.service';
import type { MilestoneView, OrderChange, OrderObserver, OrderTx } from '../work-orders/order-change';
import { CalendarDayRow, DeadlinePolicyRow, MilestoneRow, UrgeRow } from './deadline.entities';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns/format';
import { calendarStatus, changedDates, noticeDays, statutoryDaysWorked, yearsAhead, type CalendarSource } from './calendar-year';
import type { CalendarDayView, CalendarStatus, YearNotice, YearNoticeResult } from './calendar.schemas';
import { holidaysFromPackage, packageYears, provisionalHolidays, STATUTORY_RULES_FROM, STATUTORY_RULES_TO } from './holidays';
import {
  DEFAULT_POLICIES,
  deadlineFor,
  dueWork,
  escalationAt,
  extendDeadline,
  isCatchAll,
  nextCheck,
  nextUrgeAt,
  planMilestones,
  selectPolicy,
  timeLeft,
  warningFor,
  type Milestone,
  type MilestoneState,
  type PolicyRules,
} from './policy';
import { addWorkingDays, WorkingCalendar, type CalendarDay } from './working-time';

const MILESTONE_NAMES: Record<Milestone, string> = { sign: '签收', reply: '回复', close: '办结' };

/** The built-in catch-all rules (domain.md §7), for an order no policy in the database takes. */
const BUILT_IN_RULES = DEFAULT_POLICIES.find(isCatchAll)!.rules;
/** Calendar rows per insert statement when seeding (five parameters each). */
const SEED_CHUNK = 1000;
/** How long a process keeps the calendar and the policies before reading them again, in milliseconds. */
const CACHE_MS = 30_000;
/** Timers further out than this are not set in-process; the sweep finds the work when it is due. */
const LONGEST_DELAY_MS = 6 * 3_600_000;

let milestonesSql: string | undefined;

/** The orders' milestones, each cycle's by due time, every column named (a prepared statement: see readRows). */
function milestonesOfSql(m: EntityManager): string {
  milestonesSql ??= `SELECT ${columnList(m, MilestoneRow)} FROM work_order_milestones WHERE work_order_id = ANY($1::uuid[]) ORDER BY cycle ASC, due_at ASC`;
  return milestonesSql;
}

/**
 * Deadlines on the working-day calendar (domain.md §7): milestones opened on dispatch, redo
 * and extension, met or ended by the life cycle; warnings, overdue marks, urges and
 * escalations done by jobs, each exactly once, with a sweep that re-derives due work from
 * the database so that a lost job or a flushed Redis loses nothing.
 */
export class DeadlineService implements WorkingClock {
  private calendarCache?: { calendar: WorkingCalendar; until: number };
  /** The last year provideProvisionalYears covered: it looks again when the clock reaches a new year. */
  private providedThrough?: number;
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

  /**
   * Seeds the holidays of every year the package covers that has no calendar rows yet (a
   * package upgrade brings next year's notice; a year with rows, seeded or entered by an
   * administrator, is left as it is), and the default policies when there are none. A year
   * the package brings that still has provisional days gets the package's notice in place of
   * all but the administrator's days, and the open deadlines move. This year and the next,
   * when neither the package
   * nor an administrator gave them a notice, get their provisional statutory holidays, and
   * the log says so.
   */
  async seed(): Promise<void> {
    this.providedThrough = undefined;
    const { seededYears, provisionalYears } = await this.db.write(async (m) => {
      const years = (await m.query(`SELECT extract(year FROM day)::int AS year, bool_or(source = 'statutory') AS provisional FROM calendar_days GROUP BY 1`)) as {
        year: number;
        provisional: boolean;
      }[];
      const present = new Set(years.filter((r) => !r.provisional).map((r) => Number(r.year)));
      const provisional = new Set(years.filter((r) => r.provisional).map((r) => Number(r.year)));
      const missing = packageYears().filter((year) => !present.has(year));
      const days = missing.filter((year) => !provisional.has(year)).flatMap((year) => holidaysFromPackage(year, year));
      await this.insertDays(m, days, 'package');
      if ((await m.count(DeadlinePolicyRow)) === 0) {
        await m
          .createQueryBuilder()
          .insert()
          .into(DeadlinePolicyRow)
          .values(DEFAULT_POLICIES.map((p) => ({ name: p.name, requestType: p.requestType, urgency: p.urgency, category: p.category, rules: p.rules as never, active: true, version: 1, updatedAt: this.now() })))
          .orIgnore()
          .execute();
      }
      return { seededYears: missing, provisionalYears: missing.filter((year) => provisional.has(year)) };
    });
    this.forget();
    for (const year of provisionalYears) {
      const { recomputed } = await this.workOrders.unitOfWork((tx) => this.replaceYearDays(tx, year, holidaysFromPackage(year, year), 'package', { keepAdmin: true }));
      this.log.info({ year, recomputed }, 'provisional holidays replaced by the notice in the package');
    }
    this.forget();
    if (seededYears.length > 0) this.log.info({ years: seededYears }, 'holidays seeded from the package');
    await this.provideProvisionalYears();
    const status = await this.calendarStatus();
    if (status.warnings.length > 0) {
      this.log.warn({ years: status.years.filter((y) => y.state !== 'notice'), warnings: status.warnings }, 'calendar: this year or the next has no State Council notice');
    }
  }

  private async insertDays(m: EntityManager, days: CalendarDay[], source: CalendarSource): Promise<void> {
    for (let i = 0; i < days.length; i += SEED_CHUNK) {
      await m
        .createQueryBuilder()
        .insert()
        .into(CalendarDayRow)
        .values(days.slice(i, i + SEED_CHUNK).map((d) => ({ day: d.date, kind: d.kind, name: d.name, source, updatedAt: this.now() })))
        .orIgnore()
        .execute();
    }
  }

  /**
   * This year and the next, when they have no calendar days at all, get their statutory
   * holidays derived from the 办法, provisional until the notice is entered. Checked at
   * start-up and by the sweep once a year, so that a process running over New Year
   * provides the year after too. Returns the years provided.
   */
  async provideProvisionalYears(): Promise<number[]> {
    const years = yearsAhead(this.today());
    if (this.providedThrough === years[1]) return [];
    const provided = await this.db.write(async (m) => {
      const present = new Set(
        ((await m.query(`SELECT DISTINCT extract(year FROM day)::int AS year FROM calendar_days WHERE day >= $1 AND day <= $2`, [`${years[0]}-01-01`, `${years[1]}-12-31`])) as { year: number }[]).map(
          (r) => Number(r.year),
        ),
      );
      const derivable = years.filter((year) => !present.has(year) && year >= STATUTORY_RULES_FROM && year <= STATUTORY_RULES_TO);
      await this.insertDays(m, derivable.flatMap(provisionalHolidays), 'statutory');
      return derivable;
    });
    this.providedThrough = years[1];
    if (provided.length > 0) {
      this.forget();
      this.log.warn({ years: provided }, 'calendar: provisional statutory holidays derived for years without a notice; enter the notice when it is published');
    }
    return provided;
  }

  /** Whether this year and the next have their notice; what an administrator must do if not. */
  async calendarStatus(): Promise<CalendarStatus> {
    const today = this.today();
    const [first, last] = yearsAhead(today);
    const rows = await this.db.read((m) => m.find(CalendarDayRow, { select: { day: true, source: true }, where: { day: Between(`${first}-01-01`, `${last}-12-31`) } }));
    return calendarStatus(today, rows);
  }

  /** The bureau's date today. */
  private today(): string {
    return format(new TZDate(this.now(), this.config.TZ_BUREAU), 'yyyy-MM-dd');
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
      case 'reject-return':
        // The unit keeps the order, signed by the centre's decision: one returned straight
        // from dispatch has nothing left to sign, so its sign deadline is met now.
        return this.meet(m, after.id, ['sign'], now);
      case 'approve-return':
      case 'cancel':
      case 'merge':
        return this.end(m, before.id, now);
      case 'request-extension': {
        const open = await this.extensible(m, after.id);
        const passed = open.find((ms) => ms.dueAt.getTime() <= now.getTime());
        if (passed) throw conflict('deadline_passed', `the ${passed.milestone} deadline passed at ${passed.dueAt.toISOString()}: an extension is asked for before it`);
        await this.assertExtensionFits(m, open, input.workingDays ?? 0);
        return;
      }
      case 'approve-extension': {
        // Checked again: the policy may have been tightened since the request.
        const workingDays = before.pendingExtension?.workingDays ?? 0;
        await this.assertExtensionFits(m, await this.extensible(m, after.id), workingDays);
        return this.extend(tx, after.id, workingDays);
      }
      default:
        return;
    }
  }

  /** The deadlines an extension moves: the open reply and close. */
  private extensible(m: EntityManager, orderId: string): Promise<MilestoneRow[]> {
    return m.findBy(MilestoneRow, { workOrderId: orderId, state: 'open', milestone: In(['reply', 'close']) });
  }

  /** Extensions add up: the working days already granted on these deadlines and those asked stay within the policy's limit. */
  private async assertExtensionFits(m: EntityManager, open: MilestoneRow[], workingDays: number): Promise<void> {
    if (open.length === 0) return;
    const { maxExtensionWorkingDays: limit } = await this.rulesById(m, open[0].policyId);
    const granted = Math.max(...open.map((ms) => ms.extendedDays));
    const remaining = Math.max(0, limit - granted);
    if (workingDays > remaining) {
      throw unprocessable(
        'extension_too_long',
        `extensions may add at most ${limit} working days in all; ${granted} already granted, so at most ${remaining} more may be asked for, not ${workingDays}`,
        { limit, granted, remaining },
      );
    }
  }

  /** Opens sign, reply and close for the lead unit; the previous set of the order ends. */
  private async open(tx: OrderTx, order: WorkOrder, policy: { id: string | null; rules: PolicyRules }, start: Date): Promise<void> {
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
      `UPDATE work_order_milestones SET state = 'met', met_at = $2, ended_at = $2, late_ms = greatest(0, floor(extract(epoch FROM ($2 - due_at)) * 1000)), next_urge_at = NULL, escalate_at = NULL
       WHERE work_order_id = $1 AND state = 'open' AND milestone = ANY($3)`,
      [orderId, now, which],
    );
  }

  /** The unit stops holding the order: its open milestones end; one already overdue stays a breach. */
  private async end(m: EntityManager, orderId: string, now: Date): Promise<void> {
    await m.query(
      `UPDATE work_order_milestones SET state = 'cancelled', ended_at = $2, late_ms = greatest(0, floor(extract(epoch FROM ($2 - due_at)) * 1000)), next_urge_at = NULL, escalate_at = NULL
       WHERE work_order_id = $1 AND state = 'open'`,
      [orderId, now],
    );
  }

  private async extend(tx: OrderTx, orderId: string, workingDays: number): Promise<void> {
    const calendar = await this.calendar(tx.m);
    for (const ms of await this.extensible(tx.m, orderId)) {
      await this.reschedule(tx, calendar, ms, extendDeadline(calendar, ms.dueAt, workingDays), ms.extendedDays + workingDays);
    }
  }

  /**
   * An open milestone's deadline (new, or the same on a changed calendar) and what follows
   * from it: the warning; if it is due again, no overdue mark; if it stays overdue, the next
   * urge and the escalation taken again on the calendar. Returns whether anything moved.
   */
  private async reschedule(tx: OrderTx, calendar: WorkingCalendar, ms: MilestoneRow, dueAt: Date, extendedDays: number): Promise<boolean> {
    const { m, now } = tx;
    const rules = await this.rulesById(m, ms.policyId);
    const warnAt = warningFor(ms.startsAt, dueAt, rules.warnAtShare);
    const next: MilestoneState & { escalateAt: Date | null } = { ...ms, dueAt, warnAt };
    if (dueAt.getTime() > now.getTime()) {
      Object.assign(next, { overdueAt: null, nextUrgeAt: null, escalateAt: null }, warnAt.getTime() > now.getTime() && { warnedAt: null });
    } else if (ms.overdueAt !== null) {
      const lastUrgeAt = ms.urgeCount > 0 ? ((await m.findOneBy(UrgeRow, { milestoneId: ms.id, number: ms.urgeCount }))?.at ?? null) : null;
      next.nextUrgeAt = ms.nextUrgeAt === null ? null : nextUrgeAt(calendar, rules, { dueAt, urgeCount: ms.urgeCount, lastUrgeAt });
      next.escalateAt = ms.escalatedAt === null ? escalationAt(calendar, rules, dueAt) : null;
    }
    const same = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);
    const moved = !same(dueAt, ms.dueAt) || !same(next.nextUrgeAt, ms.nextUrgeAt) || !same(next.escalateAt, ms.escalateAt);
    if (!moved && same(warnAt, ms.warnAt) && extendedDays === ms.extendedDays && same(next.warnedAt, ms.warnedAt) && same(next.overdueAt, ms.overdueAt)) return false;
    await m.update(
      MilestoneRow,
      { id: ms.id },
      { dueAt, warnAt, extendedDays, warnedAt: next.warnedAt, overdueAt: next.overdueAt, nextUrgeAt: next.nextUrgeAt, escalateAt: next.escalateAt },
    );
    const check = nextCheck(calendar, rules, next);
    if (check) tx.afterCommit(() => this.schedule(ms.id, check.what, check.at));
    return true;
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
      // At most one of each kind: warning, overdue mark, urge, escalation.
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
        } else if (work.kind === 'urge') {
          const urged = await m.createQueryBuilder().insert().into(UrgeRow).values({ milestoneId: ms.id, workOrderId: ms.workOrderId, unitId: ms.unitId, number: work.number, at: now }).orIgnore().returning(['id']).execute();
          ms.urgeCount = work.number;
          ms.nextUrgeAt = work.nextUrgeAt;
          await m.update(MilestoneRow, { id: ms.id }, { urgeCount: work.number, nextUrgeAt: work.nextUrgeAt });
          if (returnedRows(urged.raw).length > 0) {
            await this.notice(tx, order, ms, 'urge', { number: work.number, workingDaysLate: work.workingDaysLate });
          }
        } else {
          ms.escalatedAt = now;
          ms.escalateAt = null;
          await m.update(MilestoneRow, { id: ms.id }, { escalatedAt: now, escalateAt: null });
          // One slip per order for being overdue, however many of its milestones escalate.
          await this.supervision().raiseByRule(tx, order, 'overdue', `${MILESTONE_NAMES[ms.milestone]}超期${work.workingDaysLate}个工作日,已催办${ms.urgeCount}次`);
        }
      }
      // The sweep finds an escalation through this column; the instant follows the deadline and the calendar.
      const escalateAt = ms.overdueAt !== null && ms.escalatedAt === null ? escalationAt(calendar, rules, ms.dueAt) : null;
      if ((escalateAt?.getTime() ?? null) !== (ms.escalateAt?.getTime() ?? null)) {
        ms.escalateAt = escalateAt;
        await m.update(MilestoneRow, { id: ms.id }, { escalateAt });
      }
      next = nextCheck(calendar, rules, ms);
    });
    const upcoming = next as { at: Date; what: string } | null;
    if (upcoming) await this.schedule(milestoneId, upcoming.what, upcoming.at);
  }

  /**
   * The sweep: every open milestone with work due now, found through four small partial
   * indexes (an index range scan each, not a table scan), queued for a check.
   */
  async dueMilestones(now: Date, limit = 1000): Promise<string[]> {
    const rows = await this.db.statement<{ id: string }>(
      `(SELECT id FROM work_order_milestones WHERE state = 'open' AND warned_at IS NULL AND warn_at <= $1 ORDER BY warn_at LIMIT $2)
       UNION
       (SELECT id FROM work_order_milestones WHERE state = 'open' AND overdue_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2)
       UNION
       (SELECT id FROM work_order_milestones WHERE state = 'open' AND next_urge_at IS NOT NULL AND next_urge_at <= $1 ORDER BY next_urge_at LIMIT $2)
       UNION
       (SELECT id FROM work_order_milestones WHERE state = 'open' AND escalate_at IS NOT NULL AND escalate_at <= $1 ORDER BY escalate_at LIMIT $2)`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  async sweep(): Promise<number> {
    const now = this.now();
    const due = await this.dueMilestones(now);
    const bucket = Math.floor(now.getTime() / 60_000);
    for (const id of due) await this.jobs.enqueue('deadline.check', { milestoneId: id }, { jobId: `deadline:${id}:sweep:${bucket}` });
    await this.provideProvisionalYears().catch((err: unknown) => this.log.warn({ err }, 'provisional holidays could not be provided; the next sweep tries again'));
    return due.length;
  }

  /** A notice by the system on the order (no version change), delivered to the unit charged. */
  private async notice(tx: OrderTx, order: WorkOrder, ms: MilestoneRow, action: 'warn' | 'overdue' | 'urge', details: Record<string, unknown>): Promise<void> {
    const eventId = await this.workOrders.recordEvent(tx, order, SYSTEM_ACTOR, action, order.state, {
      details: { milestone: ms.milestone, milestoneId: ms.id, ...details },
    });
    await this.webhooks.notify(tx, eventId, SYSTEM_ACTOR, [ms.unitId]);
  }

  // ---- views ----------------------------------------------------------------------------

  async milestonesOf(m: EntityManager, orderIds: string[], now: Date): Promise<Map<string, MilestoneView[]>> {
    const byOrder = new Map<string, MilestoneView[]>();
    if (orderIds.length === 0) return byOrder;
    const rows = (await readRows(m, milestonesOfSql(m), [orderIds])).map((r) => hydrate(m, MilestoneRow, r));
    const calendar = rows.some((r) => r.state === 'open') ? await this.calendar(m) : null;
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
        left: r.state === 'open' && calendar ? timeLeft(calendar, r.limitRule, r.dueAt, now) : null,
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

  listDays(from: string, to: string): Promise<CalendarDayView[]> {
    return this.db.read(async (m) =>
      (await m.find(CalendarDayRow, { where: { day: Between(from, to) }, order: { day: 'ASC' } })).map((r) => ({ date: r.day, kind: r.kind, name: r.name, provisional: r.source === 'statutory' })),
    );
  }

  /** An administrator sets a day (a local change, a correction); open deadlines it affects are computed again. */
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
      return this.recompute(tx, { from: day.date, to: day.date }, { reason: `工作日历调整: ${day.date}`, details: { date: day.date } });
    });
    this.log.info({ date: day.date, by: actor.name, recomputed }, 'calendar day changed');
    return { recomputed };
  }

  /**
   * An administrator enters a year's State Council notice in one piece: it replaces every day
   * of the year (provisional ones included), and the open deadlines that the change reaches move.
   */
  async enterYearNotice(actor: Actor, year: number, notice: YearNotice): Promise<YearNoticeResult> {
    const days = noticeDays(year, notice);
    const { recomputed, replaced } = await this.workOrders.unitOfWork((tx) => this.replaceYearDays(tx, year, days, 'admin'));
    this.forget();
    const result = {
      year,
      holidays: days.filter((d) => d.kind === 'holiday').length,
      workdays: days.filter((d) => d.kind === 'workday').length,
      replacedProvisional: replaced.filter((d) => d.source === 'statutory').length,
      recomputed,
      statutoryDaysWorked: statutoryDaysWorked(year, days),
    };
    this.log.info({ ...result, by: actor.name }, 'calendar year notice entered');
    return result;
  }

  /**
   * Replaces the calendar days of a year, all of them or, with `keepAdmin`, all but those an
   * administrator set (which stay on top of a package's notice); returns the rows replaced
   * and how many open deadlines moved.
   */
  private async replaceYearDays(
    tx: OrderTx,
    year: number,
    days: CalendarDay[],
    source: CalendarSource,
    options: { keepAdmin: boolean } = { keepAdmin: false },
  ): Promise<{ recomputed: number; replaced: CalendarDayRow[] }> {
    const { m } = tx;
    const range = Between(`${year}-01-01`, `${year}-12-31`);
    const before = await m.find(CalendarDayRow, { where: { day: range } });
    const replaced = options.keepAdmin ? before.filter((r) => r.source !== 'admin') : before;
    await m.delete(CalendarDayRow, options.keepAdmin ? { day: range, source: In(['package', 'statutory']) } : { day: range });
    await this.insertDays(m, days, source);
    this.forget();
    const after = await m.find(CalendarDayRow, { where: { day: range } });
    const asDays = (rows: CalendarDayRow[]) => rows.map((r) => ({ date: r.day, kind: r.kind, name: r.name }));
    const changed = changedDates(asDays(before), asDays(after));
    if (changed.length === 0) return { recomputed: 0, replaced };
    const note = { reason: `工作日历调整: ${year}年放假安排`, details: { year, from: changed[0], to: changed[changed.length - 1] } };
    return { recomputed: await this.recompute(tx, { from: changed[0], to: changed[changed.length - 1] }, note), replaced };
  }

  /**
   * Open milestones whose span covers a changed day (from `from` to `to`): a working-day
   * deadline is taken again from its rule; the next urge and the escalation of an overdue one
   * (counted in working days, whatever its limit) are taken again too. Each order whose
   * deadlines moved gets a deadlines-moved event with the note.
   */
  private async recompute(tx: OrderTx, span: { from: string; to: string }, note: { reason: string; details: Record<string, unknown> }): Promise<number> {
    const { m } = tx;
    const calendar = await this.calendar(m);
    const dayStart = calendar.at(span.from, '00:00');
    const lastDayEnd = new Date(calendar.at(span.to, '00:00').getTime() + 86_400_000);
    const affected = await m
      .createQueryBuilder(MilestoneRow, 'ms')
      .where("ms.state = 'open' AND ms.starts_at < :dayEnd", { dayEnd: lastDayEnd })
      .andWhere('(ms.due_at >= :dayStart OR ms.next_urge_at >= :dayStart OR ms.escalate_at >= :dayStart)', { dayStart })
      .getMany();
    let changed = 0;
    const moved = new Map<string, { milestones: { milestone: string; from: string; to: string }[]; returnDueAt?: { from: string; to: string } }>();
    const movesOf = (orderId: string) => moved.get(orderId) ?? moved.set(orderId, { milestones: [] }).get(orderId)!;
    for (const ms of affected) {
      let dueAt = ms.dueAt;
      if (ms.limitRule.kind === 'working_days') {
        dueAt = deadlineFor(calendar, ms.startsAt, ms.limitRule);
        if (ms.extendedDays > 0) dueAt = extendDeadline(calendar, dueAt, ms.extendedDays);
      }
      const before = ms.dueAt;
      if (await this.reschedule(tx, calendar, ms, dueAt, ms.extendedDays)) changed++;
      if (before.getTime() !== dueAt.getTime()) movesOf(ms.workOrderId).milestones.push({ milestone: ms.milestone, from: before.toISOString(), to: dueAt.toISOString() });
    }
    // The return windows still open across the day, counted from the order's last dispatch.
    const returning = (await m.query(
      `SELECT w.id, w.return_due_at, (SELECT e.at FROM work_order_events e WHERE e.work_order_id = w.id AND e.action = 'dispatch' ORDER BY e.id DESC LIMIT 1) AS dispatched_at
       FROM work_orders w WHERE w.state IN ('dispatched', 'signed') AND w.return_due_at >= $1`,
      [dayStart],
    )) as { id: string; return_due_at: Date; dispatched_at: Date | null }[];
    for (const r of returning) {
      if (!r.dispatched_at) continue;
      const order = await m.findOneByOrFail(WorkOrder, { id: r.id });
      const { rules } = await this.rulesFor(m, order);
      if (rules.returnWindow.kind !== 'working_days') continue;
      const returnDueAt = deadlineFor(calendar, new Date(r.dispatched_at), rules.returnWindow);
      if (returnDueAt.getTime() === new Date(r.return_due_at).getTime()) continue;
      // The window is the deadlines' note on the order, not a step of its life: the version stays.
      await m.query(`UPDATE work_orders SET return_due_at = $2 WHERE id = $1`, [r.id, returnDueAt]);
      movesOf(r.id).returnDueAt = { from: new Date(r.return_due_at).toISOString(), to: returnDueAt.toISOString() };
      changed++;
    }
    // Each order whose deadlines moved says so in its history, and its unit hears of it.
    for (const [orderId, moves] of moved) {
      const order = await m.findOneByOrFail(WorkOrder, { id: orderId });
      const eventId = await this.workOrders.recordEvent(tx, order, SYSTEM_ACTOR, 'deadlines-moved', order.state, { reason: note.reason, details: { ...note.details, ...moves } });
      if (order.leadUnitId) await this.webhooks.notify(tx, eventId, SYSTEM_ACTOR, [order.leadUnitId]);
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

  /**
   * Creates or changes a policy by name; it applies to deadlines set from now on. An active
   * catch-all policy must remain, so that every order has deadlines.
   */
  async putPolicy(input: { name: string; requestType: string | null; urgency: string | null; category: string | null; rules: PolicyRules; active: boolean }): Promise<DeadlinePolicyRow> {
    const saved = await this.db.write(async (m) => {
      const existing = await m.findOneBy(DeadlinePolicyRow, { name: input.name });
      const others = (await m.findBy(DeadlinePolicyRow, { active: true })).filter((p) => p.name !== input.name);
      const clash = others.find((p) => p.requestType === input.requestType && p.urgency === input.urgency && p.category === input.category);
      if (input.active && clash) throw conflict('policy_scope_taken', `policy ${clash.name} already covers this request type, urgency and category`);
      if (!others.some(isCatchAll) && !(input.active && isCatchAll(input))) {
        const detail =
          existing?.active && isCatchAll(existing)
            ? `policy ${input.name} is the active catch-all (no request type, urgency or category): it keeps that scope and stays active`
            : 'no active catch-all policy (no request type, urgency or category) would remain: create one first';
        throw unprocessable('catch_all_required', detail);
      }
      const row = existing ?? m.create(DeadlinePolicyRow, { name: input.name, version: 0 });
      Object.assign(row, input, { version: row.version + 1, updatedAt: this.now() });
      return m.save(row);
    });
    this.forget();
    return saved;
  }

  /**
   * The policy that sets an order's deadlines. The API keeps an active catch-all policy; should
   * the database hold none (changed by hand), the built-in defaults apply rather than the
   * dispatch failing.
   */
  private async rulesFor(m: EntityManager, order: WorkOrder): Promise<{ id: string | null; rules: PolicyRules }> {
    const policy = selectPolicy(await this.policies(m), { requestType: order.requestType, urgency: order.urgency, category: order.category });
    if (policy) return policy;
    this.log.warn({ workOrderId: order.id }, 'no deadline policy applies to the order: the built-in defaults apply; restore a catch-all policy');
    return { id: null, rules: BUILT_IN_RULES };
  }

  private async rulesById(m: EntityManager, id: string | null): Promise<PolicyRules> {
    const policy = (await this.policies(m)).find((p) => p.id === id) ?? (id ? await m.findOneBy(DeadlinePolicyRow, { id }) : null);
    return (policy ?? (await this.policies(m)).find(isCatchAll))?.rules ?? BUILT_IN_RULES;
  }

  private forget(): void {
    this.calendarCache = undefined;
    this.policyCache = undefined;
  }
}
