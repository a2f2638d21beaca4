import { randomUUID } from 'node:crypto';
import { subDays } from 'date-fns/subDays';
import { In, type EntityManager } from 'typeorm';
import { hydrate, returnedRows, type Database } from '../../db/database';
import { conflict, notFound } from '../../errors';
import { SYSTEM_ACTOR, type Actor } from '../auth/actor';
import type { SettingsService } from '../settings/settings.service';
import { WorkOrder } from '../work-orders/work-order.entity';
import type { WorkOrderService } from '../work-orders/work-order.service';
import type { OrderObserver, OrderTx } from '../work-orders/order-change';
import { Unit } from '../directory/unit.entity';
import { NoiseSource, NoiseSourceCheck, type NoiseKind } from './noise-source.entity';
import type { CheckView, NoiseSourceView } from './repeat.schemas';
import { originalOf } from './original';
import { areaPlaces, findRepeat, inArea, isNoiseMatter, placeKey, type RepeatCandidate, type RepeatMatch } from './similarity';

/** Links are the router's notes on an order. */
const ROUTER: Actor = { ...SYSTEM_ACTOR, name: 'router' };
/** Earlier orders a new one is compared with, at most: the newest about its place or from its caller. */
const MAX_CANDIDATES = 200;
/** Open orders a newly registered noise source takes in at most. */
const MAX_BACKLINKS = 500;

export interface OrderSummary {
  id: string;
  externalNo: string;
  receivedAt: string;
  state: string;
  content: string;
  address: string;
  /** merged: folded into the original; linked: found on intake, not merged (yet). */
  relation: 'original' | 'linked' | 'merged';
}

export interface RepeatGroup {
  original: OrderSummary;
  repeats: OrderSummary[];
  /** Repeats (linked or merged) in all, and from how many different callers. */
  count: number;
  callers: number;
  noiseSourceId: string | null;
}

export interface NoiseSourceInput {
  place: string;
  kind: NoiseKind;
  organiser?: string;
  contact?: string;
  note?: string;
  active?: boolean;
}

/** What a unit's staff may see of the register: the unit, and the place names of its area from the directory. */
interface UnitScope {
  unitId: string;
  places: string[];
}

/**
 * A source a unit may see: one whose place lies in the unit's area (names a place of its
 * jurisdiction), or one linked to an order the unit leads or assists on. $1: the places, $2: the unit.
 */
const VISIBLE_TO_UNIT = `(EXISTS (SELECT 1 FROM unnest($1::text[]) AS p(name) WHERE strpos(s.place, p.name) > 0)
  OR EXISTS (SELECT 1 FROM work_orders w WHERE w.noise_source_id = s.id AND (w.lead_unit_id = $2 OR $2 = ANY (w.assisting_unit_ids))))`;

type CandidateRow = { id: string; content: string; place_key: string; same_caller: boolean; root_id: string | null };

/** The supervision rule on repeats (SupervisionService.checkRepeats). */
export interface RepeatRule {
  checkRepeats(tx: OrderTx, originalId: string): Promise<void>;
}

/**
 * Repeat complaints and the noise-source register (domain.md §11). On intake (in the routing
 * job) a new order is linked to the earlier open or recent order it repeats and to the
 * registered noise source of its place; an operator then merges it or not.
 */
export class RepeatService {
  constructor(
    private readonly db: Database,
    private readonly workOrders: WorkOrderService,
    private readonly settings: SettingsService,
    /** The supervision rule on repeats merged into one original, checked again when merged repeats follow their order. */
    private readonly repeatRule: RepeatRule,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Links a new order to the order it repeats and to its noise source; the match, or null.
   * Candidates are the orders taken before it. Orders taken in the same millisecond (common
   * under load, and in one group commit) share a created_at; the id breaks the tie, so that of
   * two such twins exactly one is the other's repeat, never each other's or its own, and two
   * routing jobs never wait on each other's order.
   */
  async link(tx: OrderTx, order: WorkOrder): Promise<{ order: WorkOrder; match: RepeatMatch | null }> {
    const windowDays = await this.settings.get(tx.m, 'repeats.windowDays');
    const minSimilarity = await this.settings.get(tx.m, 'repeats.minSimilarity');
    const rows = (await tx.m.query(
      `SELECT id, content, place_key, ($2 <> '' AND citizen_phone = $2) AS same_caller, COALESCE(merged_into_id, repeat_of_id) AS root_id
       FROM work_orders
       WHERE (created_at, id) < ($4, $1) AND state <> 'cancelled'
         AND (received_at >= $3 OR state NOT IN ('closed', 'merged'))
         AND (($2 <> '' AND citizen_phone = $2) OR ($5 <> '' AND place_key = $5))
       ORDER BY received_at DESC LIMIT ${MAX_CANDIDATES}`,
      [order.id, order.citizenPhone, subDays(order.receivedAt, windowDays), order.createdAt, order.placeKey],
    )) as CandidateRow[];
    const candidates: RepeatCandidate[] = rows.map((r) => ({ id: r.id, content: r.content, placeKey: r.place_key, sameCaller: r.same_caller, rootId: r.root_id }));
    const found = findRepeat(order, candidates, minSimilarity);
    const originalId = found && (await originalOf(tx.m, found.originalId));
    // An earlier order an operator merged into this one makes this one its original, not a repeat.
    const match = found && originalId !== order.id ? { ...found, originalId: originalId! } : null;

    let noiseSourceId: string | null = null;
    if (match) {
      const [root] = (await tx.m.query(`SELECT noise_source_id FROM work_orders WHERE id IN ($1, $2) AND noise_source_id IS NOT NULL LIMIT 1`, [match.originalId, match.matchedId])) as {
        noise_source_id: string;
      }[];
      noiseSourceId = root?.noise_source_id ?? null;
    }
    if (!noiseSourceId && order.placeKey && isNoiseMatter(order.content)) {
      const [source] = (await tx.m.query(
        `SELECT id FROM noise_sources WHERE active AND place_key <> '' AND left($1, length(place_key)) = place_key ORDER BY length(place_key) DESC LIMIT 1`,
        [order.placeKey],
      )) as { id: string }[];
      noiseSourceId = source?.id ?? null;
    }
    if (!match && !noiseSourceId) return { order, match: null };

    // A link is the system's note on the order, not a step of its life: the version stays, so an operator's edit is not refused for it.
    const updated = await tx.m.query(`UPDATE work_orders SET repeat_of_id = $2, noise_source_id = COALESCE(noise_source_id, $3), updated_at = $4 WHERE id = $1 RETURNING *`, [
      order.id,
      match?.originalId ?? null,
      noiseSourceId,
      tx.now,
    ]);
    const after = hydrate(tx.m, WorkOrder, returnedRows(updated)[0]);
    if (match) {
      const original = await tx.m.findOneByOrFail(WorkOrder, { id: match.originalId });
      await this.workOrders.recordEvent(tx, after, ROUTER, 'link-repeat', after.state, {
        reason: `重复件: 与工单 ${original.externalNo} 同一${match.samePlace ? '地点' : '来电人'}同一事项 (相似度 ${match.similarity})`,
        details: { originalId: original.id, originalExternalNo: original.externalNo, matchedId: match.matchedId, similarity: match.similarity, sameCaller: match.sameCaller, samePlace: match.samePlace },
      });
      await this.repointRepeats(tx, after, match.originalId, ROUTER, `重复件: 工单 ${after.externalNo} 本身是重复件, 改为指向其原件`);
    }
    if (noiseSourceId && after.noiseSourceId === noiseSourceId && order.noiseSourceId !== noiseSourceId) {
      await this.workOrders.recordEvent(tx, after, ROUTER, 'link-noise-source', after.state, { reason: '噪音源登记', details: { noiseSourceId } });
    }
    return { order: after, match };
  }

  /**
   * Routing runs out of taking order (a lost job swept later, or several workers): a later order
   * may already be linked to this one, or merged into it by an operator, when this one turns out
   * to repeat an earlier one. Its repeats, linked or merged, follow it to the original, so that
   * a repeat always points at an original, never at a repeat.
   */
  private async repointRepeats(tx: OrderTx, order: WorkOrder, originalId: string, actor: Actor, reason: string): Promise<void> {
    const moved = await tx.m.query(
      `UPDATE work_orders SET updated_at = $3,
         repeat_of_id = CASE WHEN repeat_of_id = $1 THEN $2 ELSE repeat_of_id END,
         merged_into_id = CASE WHEN merged_into_id = $1 THEN $2 ELSE merged_into_id END
       WHERE repeat_of_id = $1 OR merged_into_id = $1 RETURNING *`,
      [order.id, originalId, tx.now],
    );
    let anyMerged = false;
    for (const row of returnedRows(moved)) {
      const repeat = hydrate(tx.m, WorkOrder, row);
      const merged = repeat.mergedIntoId === originalId;
      anyMerged ||= merged;
      await this.workOrders.recordEvent(tx, repeat, actor, 'link-repeat', repeat.state, {
        reason,
        details: { originalId, previousOriginalId: order.id, previousOriginalExternalNo: order.externalNo, merged },
      });
    }
    // The original now counts the merged repeats that came along: they may reach the slip's threshold.
    if (anyMerged) await this.repeatRule.checkRepeats(tx, originalId);
  }

  /**
   * An operator merges an order with repeats into another (WorkOrderService chose that order: the
   * original of the group named): its repeats, linked or merged, follow it there. Merged into one
   * of its own repeats, that repeat becomes the original.
   */
  readonly observer: OrderObserver = {
    orderChanged: async (tx, { after, action, actor }) => {
      if (action !== 'merge' || !after.mergedIntoId) return;
      const into = await tx.m.findOneByOrFail(WorkOrder, { id: after.mergedIntoId });
      if (into.repeatOfId === after.id) {
        const freed = hydrate(tx.m, WorkOrder, returnedRows(await tx.m.query(`UPDATE work_orders SET repeat_of_id = NULL, updated_at = $2 WHERE id = $1 RETURNING *`, [into.id, tx.now]))[0]);
        await this.workOrders.recordEvent(tx, freed, actor, 'link-repeat', freed.state, {
          reason: `原件 ${after.externalNo} 已并入本工单, 本工单成为原件`,
          details: { originalId: null, previousOriginalId: after.id, previousOriginalExternalNo: after.externalNo },
        });
      }
      await this.repointRepeats(tx, after, into.id, actor, `重复件: 原件 ${after.externalNo} 已并入工单 ${into.externalNo}, 改为指向其原件`);
    },
  };

  /** The order's repeat group: its original and every order linked or merged into it. */
  group(id: string): Promise<RepeatGroup> {
    return this.db.read(async (m) => {
      const order = await m.findOneBy(WorkOrder, { id });
      if (!order) throw notFound('work order', id);
      const rootId = order.mergedIntoId ?? order.repeatOfId ?? order.id;
      const root = await m.findOneByOrFail(WorkOrder, { id: rootId });
      const members = await m.find(WorkOrder, { where: [{ repeatOfId: rootId }, { mergedIntoId: rootId }], order: { receivedAt: 'ASC' } });
      return toGroup(root, members.filter((o) => (o.mergedIntoId ?? o.repeatOfId) === rootId));
    });
  }

  /** The sources of most repeats among orders received in a period: the originals with their repeat counts. */
  topSources(from: Date, to: Date, limit: number): Promise<RepeatGroup[]> {
    return this.db.read((m) => this.topSourcesIn(m, from, to, limit));
  }

  /** The same inside a caller's unit of work (PGlite runs one at a time: a nested one would wait forever). */
  async topSourcesIn(m: EntityManager, from: Date, to: Date, limit: number): Promise<RepeatGroup[]> {
    const top = (await m.query(
      `SELECT COALESCE(merged_into_id, repeat_of_id) AS root_id, count(*)::int AS n FROM work_orders
       WHERE (repeat_of_id IS NOT NULL OR merged_into_id IS NOT NULL) AND received_at >= $1 AND received_at < $2
       GROUP BY 1 ORDER BY n DESC, root_id LIMIT $3`,
      [from, to, limit],
    )) as { root_id: string; n: number }[];
    if (!top.length) return [];
    const ids = top.map((t) => t.root_id);
    const roots = new Map((await m.findBy(WorkOrder, { id: In(ids) })).map((o) => [o.id, o]));
    const members = await m.find(WorkOrder, { where: [{ repeatOfId: In(ids) }, { mergedIntoId: In(ids) }], order: { receivedAt: 'ASC' } });
    return top.map((t) => toGroup(roots.get(t.root_id)!, members.filter((o) => (o.mergedIntoId ?? o.repeatOfId) === t.root_id)));
  }

  // ---- the noise-source register ----

  /** Registers a noise source; the open orders about noise at its place are linked to it at once. */
  createSource(actor: Actor, input: NoiseSourceInput): Promise<NoiseSourceView> {
    return this.workOrders.unitOfWork(async (tx) => {
      const { m, now } = tx;
      const id = randomUUID();
      const key = placeKey(input.place);
      await m.insert(NoiseSource, {
        id,
        place: input.place,
        placeKey: key,
        kind: input.kind,
        organiser: input.organiser ?? '',
        contact: input.contact ?? '',
        note: input.note ?? '',
        active: input.active ?? true,
        createdBy: actor.name,
        createdAt: now,
        updatedBy: actor.name,
        updatedAt: now,
      });
      if (key && (input.active ?? true)) await this.linkOpenOrders(tx, actor, id, key);
      return this.sourceView(m, await m.findOneByOrFail(NoiseSource, { id }));
    });
  }

  /** Open orders about noise or dogs at the place (its key a prefix of theirs), not yet linked to a source. */
  private async linkOpenOrders(tx: OrderTx, actor: Actor, sourceId: string, key: string): Promise<void> {
    const rows = (await tx.m.query(
      `SELECT * FROM work_orders WHERE noise_source_id IS NULL AND state NOT IN ('closed', 'merged', 'cancelled')
         AND left(place_key, length($1)) = $1 ORDER BY received_at LIMIT ${MAX_BACKLINKS}`,
      [key],
    )) as Record<string, unknown>[];
    for (const order of rows.map((r) => hydrate(tx.m, WorkOrder, r)).filter((o) => isNoiseMatter(o.content))) {
      await tx.m.query(`UPDATE work_orders SET noise_source_id = $2, updated_at = $3 WHERE id = $1`, [order.id, sourceId, tx.now]);
      await this.workOrders.recordEvent(tx, order, actor, 'link-noise-source', order.state, { reason: '噪音源登记', details: { noiseSourceId: sourceId } });
    }
  }

  /** The register, newest first; unit staff get the sources in their area and those of the orders they hold. */
  listSources(actor: Actor, query: { active?: boolean; kind?: NoiseKind }): Promise<NoiseSourceView[]> {
    return this.db.read(async (m) => {
      const scope = await unitScope(m, actor);
      const params: unknown[] = scope ? [scope.places, scope.unitId] : [];
      const where = [scope ? VISIBLE_TO_UNIT : 'true'];
      if (query.active !== undefined) where.push(`s.active = $${params.push(query.active)}`);
      if (query.kind) where.push(`s.kind = $${params.push(query.kind)}`);
      const ids = (await m.query(`SELECT s.id FROM noise_sources s WHERE ${where.join(' AND ')} ORDER BY s.created_at DESC, s.id`, params)) as { id: string }[];
      if (!ids.length) return [];
      const rows = new Map((await m.findBy(NoiseSource, { id: In(ids.map((r) => r.id)) })).map((r) => [r.id, r]));
      const views: NoiseSourceView[] = [];
      for (const { id } of ids) views.push(await this.sourceView(m, rows.get(id)!, scope));
      return views;
    });
  }

  source(actor: Actor, id: string): Promise<NoiseSourceView & { checks: CheckView[]; orderList: OrderSummary[] }> {
    return this.db.read(async (m) => {
      const scope = await unitScope(m, actor);
      const row = await this.visibleSource(m, scope, id);
      const checks = await m.find(NoiseSourceCheck, { where: { noiseSourceId: id, ...(scope && { recordedByUnitId: scope.unitId }) }, order: { checkedAt: 'DESC' } });
      const orders = await m.find(WorkOrder, { where: { noiseSourceId: id }, order: { receivedAt: 'DESC' }, take: 500 });
      return {
        ...(await this.sourceView(m, row, scope)),
        checks: checks.map(checkView),
        orderList: orders.map((o) => summary(o, o.repeatOfId ? 'linked' : o.mergedIntoId ? 'merged' : 'original')),
      };
    });
  }

  /** The source, if the caller may see it; a unit asking for another area's source is told it does not exist. */
  private async visibleSource(m: EntityManager, scope: UnitScope | null, id: string): Promise<NoiseSource> {
    const row = await m.findOneBy(NoiseSource, { id });
    if (!row) throw notFound('noise source', id);
    if (scope && !(await m.query(`SELECT 1 FROM noise_sources s WHERE s.id = $3 AND ${VISIBLE_TO_UNIT}`, [scope.places, scope.unitId, id])).length) throw notFound('noise source', id);
    return row;
  }

  updateSource(actor: Actor, id: string, patch: Partial<NoiseSourceInput> & { version?: number }): Promise<NoiseSourceView> {
    return this.db.write(async (m) => {
      const row = await m.findOneBy(NoiseSource, { id });
      if (!row) throw notFound('noise source', id);
      if (patch.version !== undefined && patch.version !== row.version) throw conflict('version_mismatch', `the source is at version ${row.version}, not ${patch.version}`, { version: row.version });
      const { version: _v, ...changes } = patch;
      await m.update(NoiseSource, { id }, { ...changes, ...(changes.place ? { placeKey: placeKey(changes.place) } : {}), updatedBy: actor.name, updatedAt: this.now(), version: row.version + 1 });
      return this.sourceView(m, await m.findOneByOrFail(NoiseSource, { id }));
    });
  }

  /** Records a check made at the source (who, when, what was found and done); unit staff only at the sources they may see. */
  addCheck(actor: Actor, id: string, input: { checkedAt: string; checkedBy?: string; result: string }): Promise<NoiseSourceView> {
    return this.db.write(async (m) => {
      const scope = await unitScope(m, actor);
      const row = await this.visibleSource(m, scope, id);
      await m.insert(NoiseSourceCheck, {
        noiseSourceId: id,
        checkedAt: new Date(input.checkedAt),
        checkedBy: input.checkedBy ?? actor.name,
        result: input.result,
        recordedBy: actor.name,
        recordedByUnitId: actor.role === 'unit' ? actor.unitId : null,
        createdAt: this.now(),
      });
      return this.sourceView(m, row, scope);
    });
  }

  /** An operator links an order to a registered source, or takes the link away (null). */
  linkOrder(actor: Actor, orderId: string, noiseSourceId: string | null): Promise<{ orderId: string; noiseSourceId: string | null }> {
    return this.workOrders.unitOfWork(async (tx) => {
      const [row] = (await tx.m.query(`SELECT noise_source_id FROM work_orders WHERE id = $1 FOR UPDATE`, [orderId])) as { noise_source_id: string | null }[];
      if (!row) throw notFound('work order', orderId);
      if (noiseSourceId && !(await tx.m.existsBy(NoiseSource, { id: noiseSourceId }))) throw notFound('noise source', noiseSourceId);
      if (row.noise_source_id === noiseSourceId) return { orderId, noiseSourceId };
      await tx.m.update(WorkOrder, { id: orderId }, { noiseSourceId, updatedAt: tx.now });
      const order = await tx.m.findOneByOrFail(WorkOrder, { id: orderId });
      await this.workOrders.recordEvent(tx, order, actor, 'link-noise-source', order.state, {
        reason: noiseSourceId ? '关联噪音源' : '取消关联噪音源',
        details: { noiseSourceId, previousNoiseSourceId: row.noise_source_id },
      });
      return { orderId, noiseSourceId };
    });
  }

  /** The source as the caller may see it: unit staff outside its area (who see it through an order they hold) get no contact phone, and only their own checks. */
  private async sourceView(m: EntityManager, r: NoiseSource, scope: UnitScope | null = null): Promise<NoiseSourceView> {
    const [{ n }] = (await m.query(`SELECT count(*)::int AS n FROM work_orders WHERE noise_source_id = $1`, [r.id])) as { n: number }[];
    const last = await m.findOne(NoiseSourceCheck, { where: { noiseSourceId: r.id, ...(scope && { recordedByUnitId: scope.unitId }) }, order: { checkedAt: 'DESC' } });
    return {
      id: r.id,
      place: r.place,
      kind: r.kind,
      organiser: r.organiser,
      contact: scope && !inArea(r.place, scope.places) ? '' : r.contact,
      note: r.note,
      active: r.active,
      orders: n,
      lastCheck: last ? checkView(last) : null,
      createdBy: r.createdBy,
      createdAt: r.createdAt.toISOString(),
      updatedBy: r.updatedBy,
      updatedAt: r.updatedAt.toISOString(),
      version: r.version,
    };
  }
}

/** Unit staff see the register through their unit's area; everyone else (centre, commanders, administrators) sees all of it. */
async function unitScope(m: EntityManager, actor: Actor): Promise<UnitScope | null> {
  if (actor.role !== 'unit') return null;
  // A unit token without a unit sees nothing: no area, and no order can name a null unit.
  if (!actor.unitId) return { unitId: '00000000-0000-0000-0000-000000000000', places: [] };
  const unit = await m.findOneBy(Unit, { id: actor.unitId });
  return { unitId: actor.unitId, places: areaPlaces(unit?.jurisdiction ?? []) };
}

function summary(o: WorkOrder, relation: OrderSummary['relation']): OrderSummary {
  return { id: o.id, externalNo: o.externalNo, receivedAt: o.receivedAt.toISOString(), state: o.state, content: o.content, address: o.address, relation };
}

function toGroup(root: WorkOrder, members: WorkOrder[]): RepeatGroup {
  const callers = new Set([root, ...members].map((o) => o.citizenPhone).filter(Boolean));
  return {
    original: summary(root, 'original'),
    repeats: members.map((o) => summary(o, o.mergedIntoId ? 'merged' : 'linked')),
    count: members.length,
    callers: callers.size,
    noiseSourceId: root.noiseSourceId ?? members.find((o) => o.noiseSourceId)?.noiseSourceId ?? null,
  };
}

function checkView(c: NoiseSourceCheck): CheckView {
  return { checkedAt: c.checkedAt.toISOString(), checkedBy: c.checkedBy, result: c.result, recordedBy: c.recordedBy };
}
