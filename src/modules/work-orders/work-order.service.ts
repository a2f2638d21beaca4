import type { FastifyBaseLogger } from 'fastify';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { columnList, hydrate, readRows, readTogether, returnedRows, type Database } from '../../db/database';
import { TRANSACTION_HORIZON_SQL } from '../../db/transaction-horizon';
import { AppError, badRequest, conflict, notFound, unprocessable } from '../../errors';
import type { Actor } from '../auth/actor';
import { resolveActiveUnits, unitRefs } from '../directory/directory.service';
import { Unit } from '../directory/unit.entity';
import { originalOf } from '../repeats/original';
import { placeKey } from '../repeats/similarity';
import { allowedActions, check, isDesignated, TRANSITIONS, type Action, type OrderFacts, type Side, type State } from './lifecycle';
import type { ActionInput, EventView, IntakeBody, ListQuery, WorkOrderView } from './work-order.schemas';
import { assertPlausibleReceipt, DEFAULT_RECEIPT_BOUNDS, type ReceiptBounds } from './receipt';
import { WorkOrder, WorkOrderEvent } from './work-order.entity';
import { last4Hash, phoneHash, phoneHashes, searchDocument, slabs, textQuery } from './search';
import { searchKey } from './search-index';
import { IntakeBatcher } from './intake-batch';
import { toEventView, toOrderView } from './work-order.views';
import type { Changes, MilestoneSource, MilestoneView, OrderObserver, OrderSlip, OrderTx, SlipSource } from './order-change';

/** Events the system records on an order without changing it. */
export type SystemAction = 'create' | 'warn' | 'overdue' | 'urge' | 'escalate' | 'link-repeat' | 'link-noise-source' | 'callback' | 'request-exemption' | 'approve-exemption' | 'refuse-exemption' | 'close-slip' | 'send-back-slip' | 'slip-warn' | 'slip-overdue' | 'slip-progress' | 'slip-chief-callback' | 'slip-result' | 'deadlines-moved';

const INBOX_STATES: State[] = ['dispatched', 'signed', 'returned', 'reopened'];

/** Intake, the life cycle and the partner inbox of work orders. */
export class WorkOrderService {
  private readonly observers: OrderObserver[] = [];
  private milestoneSource?: MilestoneSource;
  private slipSource?: SlipSource;

  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
    private readonly log?: Pick<FastifyBaseLogger, 'warn'>,
    private readonly receipt: ReceiptBounds = DEFAULT_RECEIPT_BOUNDS,
    private readonly searchHashKey?: string,
  ) {}

  private key?: Promise<Buffer>;

  /**
   * Group commit of new orders (intake-batch.ts): one multi-row statement for the orders that
   * arrive together, then what follows their commit (their routing job) once for all of them.
   */
  private readonly intakeBatcher = new IntakeBatcher<unknown[], WorkOrder>({
    many: async (rows) => {
      const inserted = await this.db.statement(intakeBatchSql(this.db.dataSource.manager), batchParams(rows), { prepared: true });
      const byKey = new Map(inserted.map((r) => [`${String(r.source)}\u0000${String(r.external_no)}`, r]));
      const orders = rows.map((p) => {
        const row = byKey.get(`${String(p[0])}\u0000${String(p[1])}`);
        return row ? hydrate(this.db.dataSource.manager, WorkOrder, row) : null;
      });
      const created = orders.filter((o) => o !== null);
      await this.afterCommit([() => this.afterIntake(created)]);
      return orders;
    },
    one: async (params) => {
      const [row] = await this.db.statement(INTAKE_SQL, params);
      if (!row) return null;
      const order = hydrate(this.db.dataSource.manager, WorkOrder, row);
      await this.afterCommit([() => this.afterIntake([order])]);
      return order;
    },
  });

  /** The key of the phone hashes (search-index.ts), read once. */
  private searchKey(): Promise<Buffer> {
    this.key ??= searchKey((sql, params) => this.db.statement(sql, params), this.searchHashKey).catch((err: unknown) => {
      this.key = undefined;
      throw err;
    });
    return this.key;
  }

  /** The deadlines module shows each order's milestones in its view. */
  showDeadlines(source: MilestoneSource): void {
    this.milestoneSource = source;
  }

  /** The supervision module shows each order's slips in its view. */
  showSlips(source: SlipSource): void {
    this.slipSource = source;
  }

  /**
   * The modules that follow every order created or changed, inside the same transaction, in
   * the order they run. The composition root (runtime.ts) gives the list once, with its reasons.
   */
  observe(observers: readonly OrderObserver[]): void {
    this.observers.splice(0, this.observers.length, ...observers);
  }

  /** Creates the order, or returns the one already taken under (source, externalNo) if the body is the same. */
  async intake(actor: Actor, body: IntakeBody): Promise<{ order: WorkOrderView; created: boolean }> {
    const now = this.now();
    assertPlausibleReceipt(new Date(body.receivedAt), now, this.receipt);
    const digest = digestOf(body);
    const params = intakeParams(body, digest, actor, now, await this.searchKey());
    // Intake is the hot path: the order and its creation event are one statement, its own
    // transaction unless an observer has more to write about the new order.
    if (!this.observers.some((o) => o.orderCreated)) {
      const order = await this.intakeBatcher.submit(`${body.source}\u0000${body.externalNo}`, params);
      if (order) {
        // A new order names no unit yet: its view needs no further query.
        return { order: toOrderView(order, new Map(), actor, actionsFor(order, actor, now), []), created: true };
      }
      return this.db.read(async (m) => this.existing(m, body, digest, actor));
    }
    return this.unitOfWork(async (tx) => {
      const [row] = (await tx.m.query(INTAKE_SQL, params)) as Record<string, unknown>[];
      if (!row) return this.existing(tx.m, body, digest, actor);
      let order = hydrate(tx.m, WorkOrder, row);
      for (const o of this.observers) order = (await o.orderCreated?.(tx, order, actor)) ?? order;
      const created = order;
      tx.afterCommit(() => this.afterIntake([created]));
      return { order: await this.view(tx.m, order, actor), created: true };
    });
  }

  /** The order already taken under the same (source, externalNo): the same body is a retry, another is a conflict. */
  private async existing(m: EntityManager, body: IntakeBody, digest: string, actor: Actor): Promise<{ order: WorkOrderView; created: boolean }> {
    const existing = await m.findOneByOrFail(WorkOrder, { source: body.source, externalNo: body.externalNo });
    if (existing.intakeDigest !== digest) {
      throw conflict('external_no_conflict', `order ${body.externalNo} from ${body.source} was already taken with a different body`, { id: existing.id });
    }
    return { order: await this.view(m, existing, actor), created: false };
  }

  get(actor: Actor, id: string): Promise<WorkOrderView> {
    return this.db.read(async (m) => this.view(m, await this.visible(m, actor, id), actor));
  }

  events(actor: Actor, id: string): Promise<EventView[]> {
    return this.db.read(async (m) => {
      await this.visible(m, actor, id);
      const events = await m.find(WorkOrderEvent, { where: { workOrderId: id }, order: { id: 'ASC' } });
      const refs = await unitRefs(m, events.map((e) => e.actorUnitId));
      return events.map((e) => toEventView(e, refs));
    });
  }

  /**
   * Orders matching the filters: newest first, or, with a text `q`, by relevance within spans of
   * recent time (search.ts `slabs`). Look-ups by external number and phone ride on their own
   * indexes; unit staff see only the orders their unit holds or held.
   */
  async list(actor: Actor, query: ListQuery): Promise<{ items: WorkOrderView[]; nextCursor: string | null }> {
    const limit = query.limit ?? 50;
    const key = query.phone !== undefined || query.phoneLast4 !== undefined ? await this.searchKey() : undefined;
    return this.db.read(async (m) => {
      const sql = new SqlParams();
      const where = await this.filters(m, actor, query, sql, key);
      const columns = orderColumns(m);
      if (query.q) {
        const text = textQuery(query.q);
        if (!text) return { items: [], nextCursor: null };
        const found = await this.search(m, query, text, where, sql, columns, limit);
        return { items: await this.views(m, found.orders, actor), nextCursor: found.nextCursor };
      }
      if (query.cursor) {
        const [receivedAt, id] = decodeCursor(query.cursor, 'time');
        where.push(`(w.received_at, w.id) < (${sql.add(new Date(receivedAt))}, ${sql.add(id)})`);
      }
      const statement = `SELECT ${columns} FROM work_orders w ${whereClause(where)} ORDER BY w.received_at DESC, w.id DESC LIMIT ${sql.add(limit + 1)}`;
      // A look-up's plan is its key's index whatever the values: prepared once per connection.
      // Other lists keep a plan made for their values (a date range, a state).
      const lookUp = query.externalNo !== undefined || query.phone !== undefined || query.phoneLast4 !== undefined;
      const rows = lookUp ? await readRows(m, statement, sql.values) : ((await m.query(statement, sql.values)) as Record<string, unknown>[]);
      const page = rows.slice(0, limit).map((r) => hydrate(m, WorkOrder, r));
      const last = page[page.length - 1];
      return {
        items: await this.views(m, page, actor),
        nextCursor: rows.length > limit && last ? encodeCursor([last.receivedAt.toISOString(), last.id]) : null,
      };
    });
  }

  /**
   * Every order a search finds, for an export: the same filters, order and unit scope as
   * `list`, page after page. More than `max` is refused, so that a file never stops silently short.
   */
  async exportList(actor: Actor, query: Omit<ListQuery, 'cursor' | 'limit'>, max: number): Promise<WorkOrderView[]> {
    const all: WorkOrderView[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.list(actor, { ...query, cursor, limit: 200 });
      all.push(...page.items);
      if (all.length > max) throw unprocessable('export_too_large', `the search finds more than ${max} orders; narrow it (dates, unit, state) to export`, { max });
      if (!page.nextCursor) return all;
      cursor = page.nextCursor;
    }
  }

  private async filters(m: EntityManager, actor: Actor, query: ListQuery, sql: SqlParams, key: Buffer | undefined): Promise<string[]> {
    const where: string[] = [];
    if (actor.role === 'unit') where.push(`w.holder_unit_ids @> ARRAY[${sql.add(actor.unitId)}]::uuid[]`);
    if (query.state?.length) where.push(`w.state = ANY(${sql.add(query.state)}::text[])`);
    if (query.unitCode) {
      const unit = await m.findOneBy(Unit, { code: query.unitCode });
      if (!unit) throw unprocessable('unknown_unit', `no unit with code ${query.unitCode}`);
      where.push(`w.lead_unit_id = ${sql.add(unit.id)}`);
    }
    if (query.requestType) where.push(`w.request_type = ${sql.add(query.requestType)}`);
    if (query.urgency) where.push(`w.urgency = ${sql.add(query.urgency)}`);
    if (query.receivedFrom) where.push(`w.received_at >= ${sql.add(new Date(query.receivedFrom))}`);
    if (query.receivedTo) where.push(`w.received_at < ${sql.add(new Date(query.receivedTo))}`);
    // The unique key is indexed number first (external_no, source): a number alone is one probe.
    if (query.externalNo) where.push(`w.external_no = ${sql.add(query.externalNo)}`);
    if (query.phone !== undefined) where.push(`w.citizen_phone_hash = ${sql.add(phoneHash(key!, query.phone))}`);
    if (query.phoneLast4 !== undefined) where.push(`w.citizen_phone_last4_hash = ${sql.add(last4Hash(key!, query.phoneLast4))}`);
    if (query.overdue !== undefined) {
      const overdue = `EXISTS (SELECT 1 FROM work_order_milestones ms WHERE ms.work_order_id = w.id AND ms.state = 'open' AND ms.due_at < ${sql.add(this.now())})`;
      where.push(query.overdue ? overdue : `NOT ${overdue}`);
    }
    if (query.slip !== undefined) {
      const slip = `EXISTS (SELECT 1 FROM supervision_slip_orders so JOIN supervision_slips s ON s.id = so.slip_id WHERE so.work_order_id = w.id AND s.state <> 'closed')`;
      where.push(query.slip ? slip : `NOT ${slip}`);
    }
    return where;
  }

  /**
   * Text search, slab by slab back in time in one statement: each slab's matches are ranked
   * (ts_rank, then recency) and the outer LIMIT stops the walk once a page is full. A query
   * whose words are found nowhere is tried again with its words as prefixes.
   */
  private async search(
    m: EntityManager,
    query: ListQuery,
    text: { exact: string; prefix: string },
    where: string[],
    sql: SqlParams,
    columns: string,
    limit: number,
  ): Promise<{ orders: WorkOrder[]; nextCursor: string | null }> {
    const cursor = query.cursor ? decodeSearchCursor(query.cursor) : undefined;
    const [bounds] = (await m.query(`SELECT max(received_at) AS newest, min(received_at) AS oldest FROM work_orders`)) as { newest: Date | string | null; oldest: Date | string | null }[];
    if (!bounds?.newest || !bounds.oldest) return { orders: [], nextCursor: null };
    let newest = cursor?.newest ?? new Date(bounds.newest);
    if (!cursor && query.receivedTo && new Date(query.receivedTo) < newest) newest = new Date(query.receivedTo);
    let oldest = new Date(bounds.oldest);
    if (query.receivedFrom && new Date(query.receivedFrom) > oldest) oldest = new Date(query.receivedFrom);
    const walk = slabs(newest, oldest, cursor?.slab ?? 0);
    if (walk.length === 0) return { orders: [], nextCursor: null };

    const run = async (mode: 'exact' | 'prefix') => {
      const p = sql.clone();
      const tsq = `to_tsquery('simple', ${p.add(text[mode])})`;
      const rank = `(ts_rank(w.search_words, ${tsq}) * 1000000)::int`;
      const conditions = [...where];
      if (cursor) {
        conditions.push(
          `(s.ord <> ${p.add(cursor.slab)} OR (${rank}, w.received_at, w.id) < (${p.add(cursor.rank)}, ${p.add(cursor.receivedAt)}, ${p.add(cursor.id)}))`,
        );
      }
      const ords = p.add(walk.map((s) => s.index));
      const spans = p.add(walk.map((s) => s.tokens.map((d) => `'${d}'`).join(' | ')));
      const n = p.add(limit + 1);
      return (await m.query(
        `SELECT x.* FROM unnest(${ords}::int[], ${spans}::text[]) AS s (ord, span)
         CROSS JOIN LATERAL (
           SELECT s.ord AS search_slab, ${rank} AS search_rank, ${columns}
           -- The words and the span select through the search index alone; the other filters are
           -- checked on its few matches (OFFSET 0 keeps the planner from mixing in a state or unit
           -- index, whose every row in years of orders would cost more than the matches do).
           FROM (SELECT * FROM work_orders w WHERE w.search_words @@ (${tsq} && to_tsquery('simple', s.span)) OFFSET 0) w
           ${whereClause(conditions)}
           ORDER BY search_rank DESC, w.received_at DESC, w.id DESC
           LIMIT ${n}
         ) x
         LIMIT ${n}`,
        p.values,
      )) as Record<string, unknown>[];
    };
    const mode = cursor?.mode ?? 'exact';
    let rows = await run(mode);
    let used = mode;
    if (rows.length === 0 && !cursor && mode === 'exact') {
      rows = await run('prefix');
      used = 'prefix';
    }
    // The lateral join yields slab by slab, each in rank order; sorted again in case a plan does not.
    rows.sort((a, b) => Number(a.search_slab) - Number(b.search_slab) || Number(b.search_rank) - Number(a.search_rank));
    const page = rows.slice(0, limit);
    const orders = page.map((r) => hydrate(m, WorkOrder, r));
    const lastRow = page[page.length - 1];
    const last = orders[orders.length - 1];
    return {
      orders,
      nextCursor:
        rows.length > limit && lastRow && last
          ? encodeCursor(['s', used, newest.toISOString(), String(lastRow.search_slab), String(lastRow.search_rank), last.receivedAt.toISOString(), last.id])
          : null,
    };
  }

  /**
   * The partner inbox: orders the caller's unit must sign, has in hand, had reopened or assists on,
   * in the order they last changed. Only changes whose transaction has finished are shown
   * (TRANSACTION_HORIZON_SQL), so a slow transaction cannot commit behind a cursor that has moved past it.
   */
  inbox(actor: Actor, cursor: string | undefined, limit: number) {
    const unitId = actor.unitId;
    if (!unitId) throw new AppError(403, 'forbidden', 'only unit staff have an inbox');
    return this.db.read(async (m) => {
      const qb = m
        .createQueryBuilder(WorkOrder, 'w')
        .addSelect('w.change_xid::text', 'cursor_xid')
        .where('(w.lead_unit_id = :unit OR w.assisting_unit_ids @> ARRAY[:unit]::uuid[])', { unit: unitId })
        .andWhere('w.state IN (:...states)', { states: INBOX_STATES })
        .andWhere(`w.change_xid < ${TRANSACTION_HORIZON_SQL}`);
      if (cursor) {
        const [xid, id] = decodeCursor(cursor, 'xid');
        if (!/^\d+$/.test(xid)) throw badRequest('invalid_cursor', 'the cursor is not one this service gave');
        // (Not named :xid: the horizon's `::xid` cast would be taken for it.)
        qb.andWhere('(w.change_xid, w.id) > (CAST(:afterXid AS xid8), :afterId)', { afterXid: xid, afterId: id });
      }
      const { entities, raw } = await qb.orderBy('w.change_xid', 'ASC').addOrderBy('w.id', 'ASC').limit(limit).getRawAndEntities();
      const views = await this.views(m, entities, actor);
      const items = views.map((v, i) => ({ ...v, inboxReason: inboxReason(entities[i], unitId) }));
      const lastRaw = raw[raw.length - 1] as { cursor_xid: string } | undefined;
      const last = entities[entities.length - 1];
      return { items, nextCursor: last && lastRaw ? encodeCursor([lastRaw.cursor_xid, last.id]) : (cursor ?? null) };
    });
  }

  /** Applies one life-cycle action: checked against the table, written with its event in one transaction. */
  async act(actor: Actor, id: string, action: Action, input: ActionInput, expectedVersion?: number): Promise<WorkOrderView> {
    return this.unitOfWork(async (tx) => {
      const order = await this.visible(tx.m, actor, id);
      if (expectedVersion !== undefined && expectedVersion !== order.version) {
        throw conflict('version_mismatch', `the order is at version ${order.version}, not ${expectedVersion}`, { version: order.version });
      }
      return this.view(tx.m, await this.transition(tx, actor, order, action, input), actor);
    });
  }

  /**
   * One action inside a running unit of work: the table decides, the row changes only if
   * nobody changed it since it was read, the event is written, observers follow.
   */
  async transition(tx: OrderTx, actor: Actor, order: WorkOrder, action: Action, input: ActionInput): Promise<WorkOrder> {
    const { m } = tx;
    const side: Side = actor.role === 'unit' ? 'lead-unit' : 'centre';
    if (TRANSITIONS[action].by === 'lead-unit' && actor.unitId !== order.leadUnitId) {
      throw new AppError(403, 'not_lead_unit', `only the lead unit may ${action} this order`);
    }
    const facts = factsOf(order, tx.now);
    const verdict = check(action, facts);
    if (!verdict.ok) {
      throw conflict(verdict.refusal === 'wrong_state' ? 'action_not_allowed' : verdict.refusal, refusalText(action, order, verdict.refusal), {
        state: order.state,
        allowedActions: allowedActions(facts, side),
      });
    }
    const { changes, details } = await this.changesFor(m, action, order, input, actor, tx.now);
    for (const o of this.observers) Object.assign(changes, await o.amend?.(tx, order, action));
    const updated = await m
      .createQueryBuilder()
      .update(WorkOrder)
      .set({ ...changes, state: verdict.to })
      .where('id = :id AND version = :version', { id: order.id, version: order.version })
      .returning('*')
      .execute();
    const [row] = returnedRows(updated.raw);
    if (!row) throw conflict('version_conflict', 'someone else changed the order at the same moment; reload it and try again');
    const after = hydrate(m, WorkOrder, row);
    const eventId = await this.recordEvent(tx, after, actor, action, order.state, { reason: input.reason ?? input.note ?? null, details });
    for (const o of this.observers) await o.orderChanged?.(tx, { before: order, after, action, actor, input, eventId });
    return after;
  }

  /**
   * The one way to open a transaction that changes orders or records their events: runs
   * `work` in one transaction (db.write), then the tasks it left for after the commit
   * (queueing jobs). An OrderTx, which transition, recordEvent and the observers need, is
   * made only here. The intake's single statement (group commit) is its own transaction and
   * shares only the after-commit part.
   */
  async unitOfWork<T>(work: (tx: OrderTx) => Promise<T>): Promise<T> {
    const tasks: (() => Promise<void>)[] = [];
    const result = await this.db.write((m) => work({ m, now: this.now(), afterCommit: (task) => tasks.push(task) }));
    await this.afterCommit(tasks);
    return result;
  }

  private async afterIntake(orders: WorkOrder[]): Promise<void> {
    for (const o of this.observers) await o.afterIntake?.(orders);
  }

  /** What a committed unit of work left to do; a failure is logged, the commit stands. */
  private async afterCommit(tasks: (() => Promise<void>)[]): Promise<void> {
    for (const task of tasks) {
      try {
        await task();
      } catch (err) {
        // The change is committed and answered as such: what the task would have queued
        // (a deadline check, a delivery, a routing job) the next sweep finds in the database.
        this.log?.warn({ err }, 'an after-commit task failed; the sweep will pick its work up');
      }
    }
  }

  private async changesFor(
    m: EntityManager,
    action: Action,
    order: WorkOrder,
    input: ActionInput,
    actor: Actor,
    now: Date,
  ): Promise<{ changes: Changes; details: Record<string, unknown> }> {
    const at = now.toISOString();
    const clearPending: Changes = { pendingReturn: null, pendingExtension: null };
    switch (action) {
      case 'dispatch': {
        const assistingCodes = input.assistingUnitCodes ?? [];
        if (assistingCodes.includes(input.leadUnitCode!)) throw unprocessable('lead_also_assisting', 'the lead unit cannot also assist');
        const [lead, ...assisting] = await resolveActiveUnits(m, [input.leadUnitCode!, ...assistingCodes]);
        const dispatchCount = order.dispatchCount + 1;
        const assistingIds = assisting.map((u) => u.id);
        return {
          changes: {
            ...clearPending,
            leadUnitId: lead.id,
            assistingUnitIds: assistingIds,
            holderUnitIds: [...new Set([...order.holderUnitIds, lead.id, ...assistingIds])],
            dispatchCount,
          },
          details: { leadUnit: lead.code, assistingUnits: assistingCodes, dispatchCount, designated: isDesignated(dispatchCount) },
        };
      }
      case 'return':
        return {
          changes: { pendingExtension: null, pendingReturn: { reason: input.reason!, unitId: actor.unitId!, fromState: order.state, requestedAt: at } },
          details: {},
        };
      case 'approve-return':
        return { changes: { ...clearPending, leadUnitId: null, assistingUnitIds: [], returnDueAt: null }, details: { returnReason: order.pendingReturn?.reason } };
      case 'reject-return':
        return { changes: clearPending, details: { returnReason: order.pendingReturn?.reason } };
      case 'request-extension':
        return {
          changes: { pendingExtension: { workingDays: input.workingDays!, reason: input.reason!, unitId: actor.unitId!, requestedAt: at } },
          details: { workingDays: input.workingDays },
        };
      case 'approve-extension':
      case 'refuse-extension':
        return { changes: { pendingExtension: null }, details: { workingDays: order.pendingExtension?.workingDays } };
      case 'reply':
        return {
          changes: { pendingExtension: null, reply: { result: input.result!, text: input.text!, unitId: actor.unitId!, repliedAt: at } },
          details: { result: input.result },
        };
      case 'close':
        return { changes: { closedAt: now }, details: { result: order.reply?.result } };
      case 'reopen':
        return { changes: { ...clearPending, reply: null, closedAt: null }, details: { previousResult: order.reply?.result } };
      case 'cancel':
        return { changes: clearPending, details: {} };
      case 'mark-difficult':
        return { changes: { difficult: true }, details: {} };
      case 'merge': {
        const originalId = input.originalId!;
        if (originalId === order.id) throw unprocessable('merge_into_self', 'an order cannot be merged into itself');
        const original = await m.findOneBy(WorkOrder, { id: originalId });
        if (!original) throw unprocessable('unknown_original', `no work order ${originalId}`);
        if (original.state === 'merged' || original.state === 'cancelled') {
          throw unprocessable('original_not_open', `the original is ${original.state}; merge into the order it was merged into, or another`);
        }
        // Into the original of the chosen order's group: a repeat points at an original, never at
        // a repeat. Merged into one of its own repeats, that one (RepeatService makes it the original).
        const groupOriginal = await originalOf(m, originalId);
        const into = groupOriginal === originalId || groupOriginal === order.id ? null : await m.findOneByOrFail(WorkOrder, { id: groupOriginal });
        if (!into || into.state === 'cancelled') {
          return { changes: { ...clearPending, mergedIntoId: originalId }, details: { originalId, originalExternalNo: original.externalNo } };
        }
        return {
          changes: { ...clearPending, mergedIntoId: into.id },
          details: { originalId: into.id, originalExternalNo: into.externalNo, chosenId: originalId, chosenExternalNo: original.externalNo },
        };
      }
      case 'sign':
        return { changes: {}, details: {} };
    }
  }

  /** Writes one event of the order's history; `order` is the order as it is after the change. */
  async recordEvent(
    tx: OrderTx,
    order: WorkOrder,
    actor: Actor,
    action: Action | SystemAction,
    from: State | null,
    extra: { reason?: string | null; details?: Record<string, unknown> },
  ): Promise<string> {
    const result = await tx.m
      .createQueryBuilder()
      .insert()
      .into(WorkOrderEvent)
      .values({
        workOrderId: order.id,
        version: order.version,
        action,
        fromState: from,
        toState: order.state,
        actorId: actor.id,
        actorName: actor.name,
        actorRole: actor.role,
        actorUnitId: actor.unitId,
        reason: extra.reason ?? null,
        // TypeORM's deep-partial type cannot express a free-form jsonb object.
        details: (extra.details ?? {}) as never,
        at: tx.now,
      })
      .returning(['id'])
      .execute();
    return String(returnedRows<{ id: string | number | bigint }>(result.raw)[0].id);
  }

  /** The order if the actor may see it; unit staff see only orders their unit holds or held. */
  private async visible(m: EntityManager, actor: Actor, id: string): Promise<WorkOrder> {
    const order = await m.findOneBy(WorkOrder, { id });
    if (!order || (actor.role === 'unit' && !order.holderUnitIds.includes(actor.unitId!))) throw notFound('work order', id);
    return order;
  }

  private async view(m: EntityManager, order: WorkOrder, actor: Actor): Promise<WorkOrderView> {
    return (await this.views(m, [order], actor))[0];
  }

  /**
   * The orders' views: their milestones, their own units' names and their slips are independent
   * reads, run together on PostgreSQL outside a transaction (readTogether), each on its own
   * pooled connection. A milestone names the unit that held the order then, most often one of
   * its own units; any other is read after.
   */
  private async views(m: EntityManager, orders: WorkOrder[], actor: Actor): Promise<WorkOrderView[]> {
    if (orders.length === 0) return [];
    const now = this.now();
    const ids = orders.map((o) => o.id);
    const own = orders.flatMap((o) => [o.leadUnitId, ...o.assistingUnitIds, o.pendingReturn?.unitId ?? null, o.pendingExtension?.unitId ?? null, o.reply?.unitId ?? null]);
    const [milestones, refs, slips] = await readTogether(m, [
      async () => (this.milestoneSource ? this.milestoneSource(m, ids, now) : new Map<string, MilestoneView[]>()),
      () => unitRefs(m, own),
      async () => (this.slipSource ? this.slipSource(m, ids, now, actor) : new Map<string, OrderSlip[]>()),
    ]);
    const others = [...milestones.values()].flat().map((ms) => ms.unitId).filter((id) => !refs.has(id));
    if (others.length) for (const [id, ref] of await unitRefs(m, others)) refs.set(id, ref);
    return orders.map((o) => toOrderView(o, refs, actor, actionsFor(o, actor, now), milestones.get(o.id) ?? [], slips.get(o.id) ?? []));
  }
}

/** Inserts the order unless (source, externalNo) is taken, with its creation event; returns the new row or nothing. */
const INTAKE_SQL = `
  WITH new_order AS (
    INSERT INTO work_orders (source, external_no, intake_digest, received_at, request_type, urgency, citizen_name, citizen_phone,
                             confidential, content, address, category, latitude, longitude, attachments, created_at, updated_at, place_key,
                             search_words, citizen_phone_hash, citizen_phone_last4_hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $22, to_tsvector('simple', $23), $24, $25)
    ON CONFLICT (source, external_no) DO NOTHING
    RETURNING *
  ), creation AS (
    INSERT INTO work_order_events (work_order_id, version, action, from_state, to_state, actor_id, actor_name, actor_role, actor_unit_id, details, at)
    SELECT id, version, 'create', NULL, state, $17, $18, $19, $20, $21, $16 FROM new_order
  )
  SELECT * FROM new_order`;

/** Types of INTAKE_SQL's parameters, for the arrays of the batch statement. */
const INTAKE_PARAM_TYPES = [
  'text', 'text', 'text', 'timestamptz', 'text', 'text', 'text', 'text', 'boolean', 'text', 'text', 'text', 'float8', 'float8', 'jsonb', 'timestamptz',
  'uuid', 'text', 'text', 'uuid', 'jsonb', 'text', 'text', 'text', 'text',
];
const INTAKE_PARAM_NAMES = [
  'source', 'external_no', 'intake_digest', 'received_at', 'request_type', 'urgency', 'citizen_name', 'citizen_phone', 'confidential', 'content',
  'address', 'category', 'latitude', 'longitude', 'attachments', 'at', 'actor_id', 'actor_name', 'actor_role', 'actor_unit_id', 'details',
  'place_key', 'doc', 'phone_hash', 'last4_hash',
];

let batchSql: string | undefined;

/**
 * INTAKE_SQL for many orders: each parameter an array (one element per order), unnested into
 * rows. Orders whose (source, externalNo) is taken are skipped; every order inserted gets its
 * creation event in the same statement. Returns the inserted orders' own columns.
 */
function intakeBatchSql(m: EntityManager): string {
  if (batchSql) return batchSql;
  const columns = columnList(m, WorkOrder);
  const arrays = INTAKE_PARAM_TYPES.map((type, i) => `$${i + 1}::${type === 'jsonb' ? 'text' : type}[]`).join(', ');
  batchSql = `
    WITH input AS (
      SELECT * FROM unnest(${arrays}) AS i (${INTAKE_PARAM_NAMES.join(', ')})
    ), new_order AS (
      INSERT INTO work_orders (source, external_no, intake_digest, received_at, request_type, urgency, citizen_name, citizen_phone,
                               confidential, content, address, category, latitude, longitude, attachments, created_at, updated_at, place_key,
                               search_words, citizen_phone_hash, citizen_phone_last4_hash)
      SELECT source, external_no, intake_digest, received_at, request_type, urgency, citizen_name, citizen_phone,
             confidential, content, address, category, latitude, longitude, attachments::jsonb, at, at, place_key,
             to_tsvector('simple', doc), phone_hash, last4_hash
      FROM input
      ON CONFLICT (source, external_no) DO NOTHING
      RETURNING *
    ), creation AS (
      INSERT INTO work_order_events (work_order_id, version, action, from_state, to_state, actor_id, actor_name, actor_role, actor_unit_id, details, at)
      SELECT n.id, n.version, 'create', NULL, n.state, i.actor_id, i.actor_name, i.actor_role, i.actor_unit_id, i.details::jsonb, i.at
      FROM new_order n JOIN input i ON i.source = n.source AND i.external_no = n.external_no
    )
    SELECT ${columns} FROM new_order`;
  return batchSql;
}

/** The rows' parameters, column by column. */
function batchParams(rows: unknown[][]): unknown[] {
  return INTAKE_PARAM_TYPES.map((type, i) =>
    rows.map((r) => {
      const v = r[i];
      return v instanceof Date ? v.toISOString() : v;
    }),
  );
}

function intakeParams(body: IntakeBody, digest: string, actor: Actor, now: Date, key: Buffer): unknown[] {
  const phone = phoneHashes(key, body.citizen.phone);
  return [
    body.source,
    body.externalNo,
    digest,
    new Date(body.receivedAt),
    body.requestType,
    body.urgency ?? 'normal',
    body.citizen.name,
    body.citizen.phone,
    body.confidential ?? false,
    body.content,
    body.address ?? '',
    body.category ?? null,
    body.location?.lat ?? null,
    body.location?.lng ?? null,
    JSON.stringify(body.attachments ?? []),
    now,
    actor.id,
    actor.name,
    actor.role,
    actor.unitId,
    JSON.stringify({ source: body.source, externalNo: body.externalNo }),
    placeKey(body.address ?? ''),
    searchDocument(body.content, body.address ?? '', new Date(body.receivedAt)),
    phone.full,
    phone.last4,
  ];
}

function factsOf(order: WorkOrder, now: Date): OrderFacts {
  return {
    state: order.state,
    dispatchCount: order.dispatchCount,
    extensionPending: order.pendingExtension !== null,
    returnWindowClosed: order.returnDueAt !== null && now.getTime() > order.returnDueAt.getTime(),
    difficult: order.difficult,
  };
}

function actionsFor(order: WorkOrder, actor: Actor, now: Date): Action[] {
  if (actor.role === 'operator' || actor.role === 'admin') return allowedActions(factsOf(order, now), 'centre');
  if (actor.role === 'unit' && actor.unitId === order.leadUnitId) return allowedActions(factsOf(order, now), 'lead-unit');
  return [];
}

function inboxReason(order: WorkOrder, unitId: string) {
  if (order.leadUnitId !== unitId) return 'assisting' as const;
  switch (order.state) {
    case 'dispatched':
      return 'to_sign' as const;
    case 'reopened':
      return 'reopened' as const;
    case 'returned':
      return 'return_pending' as const;
    default:
      return 'in_hand' as const;
  }
}

function refusalText(action: Action, order: WorkOrder, refusal: string): string {
  switch (refusal) {
    case 'designated':
      return `the order has been dispatched ${order.dispatchCount} times: the unit is designated and may not return it`;
    case 'return_window_closed':
      return `the return window closed at ${order.returnDueAt?.toISOString()}: the unit keeps the order`;
    case 'already_difficult':
      return 'the order is already marked difficult';
    case 'extension_pending':
      return 'an extension request is already waiting for the centre';
    case 'no_extension_pending':
      return 'no extension request is waiting';
    default:
      return `cannot ${action} an order that is ${order.state}`;
  }
}

/** SHA-256 of the body with keys sorted, so that a retry with keys in another order is the same body. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Collects the parameters of a hand-written statement: `add` returns its placeholder. */
class SqlParams {
  constructor(readonly values: unknown[] = []) {}
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  clone(): SqlParams {
    return new SqlParams([...this.values]);
  }
}

const whereClause = (conditions: string[]) => (conditions.length ? `WHERE ${conditions.join(' AND ')}` : '');

/** The order's own columns, without the search words (a kilobyte a row nobody reads back). */
function orderColumns(m: EntityManager): string {
  return columnList(m, WorkOrder, 'w');
}

/** A search cursor: the walk's newest instant, the slab, and the last order's rank, time and id. */
function decodeSearchCursor(cursor: string) {
  const parts = Buffer.from(cursor, 'base64url').toString().split('|');
  const [tag, mode, newest, slab, rank, receivedAt, id] = parts;
  const instant = (v: string | undefined) => v !== undefined && /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v));
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (
    parts.length !== 7 || tag !== 's' || (mode !== 'exact' && mode !== 'prefix') || !instant(newest) || !instant(receivedAt) ||
    !/^\d{1,4}$/.test(slab) || !/^\d{1,9}$/.test(rank) || !uuid.test(id)
  ) {
    throw badRequest('invalid_cursor', 'the cursor is not one this service gave');
  }
  return { mode: mode as 'exact' | 'prefix', newest: new Date(newest), slab: Number(slab), rank: Number(rank), receivedAt: new Date(receivedAt), id };
}

function encodeCursor(parts: string[]): string {
  return Buffer.from(parts.join('|')).toString('base64url');
}

/** A cursor this service gave: its first part a time (the list) or a transaction number (the inbox), then an id. */
function decodeCursor(cursor: string, first: 'time' | 'xid'): [string, string] {
  const parts = Buffer.from(cursor, 'base64url').toString().split('|');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const firstOk = first === 'xid' ? /^\d{1,19}$/.test(parts[0]) : /^\d{4}-\d\d-\d\dT/.test(parts[0]) && !Number.isNaN(Date.parse(parts[0]));
  if (parts.length !== 2 || !uuid.test(parts[1]) || !firstOk) throw badRequest('invalid_cursor', 'the cursor is not one this service gave');
  return [parts[0], parts[1]];
}
