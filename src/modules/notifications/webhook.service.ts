import { createHmac } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { In, LessThanOrEqual, type EntityManager } from 'typeorm';
import type { Config } from '../../config';
import { returnedRows, type Database } from '../../db/database';
import { notFound } from '../../errors';
import type { Actor } from '../auth/actor';
import type { JobQueue } from '../../jobs/catalogue';
import { Unit } from '../directory/unit.entity';
import { WorkOrder, WorkOrderEvent } from '../work-orders/work-order.entity';
import type { OrderObserver, OrderTx } from '../work-orders/order-change';
import { WebhookDelivery } from './webhook-delivery.entity';
import type { DeliveryView } from './webhook.schemas';

/** Back-off before attempt n+1 after n failed attempts: base × 2^(n−1), capped at one hour. */
export function backoffMs(failedAttempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, failedAttempts - 1), 3_600_000);
}

/** The signature a unit checks: HMAC-SHA256 over "<timestamp>.<body>" with the unit's secret. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Delivers work-order events to units' webhooks. A delivery row is written in the
 * same transaction as its event; the job only carries the row's id, so a lost
 * job is found again by the sweep, and a job run twice sends once.
 */
export class WebhookService {
  constructor(
    private readonly db: Database,
    private readonly jobs: JobQueue,
    private readonly config: Pick<Config, 'WEBHOOK_MAX_ATTEMPTS' | 'WEBHOOK_BACKOFF_MS' | 'WEBHOOK_TIMEOUT_MS'>,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Follows order changes: each event is owed to the units that hold or held the order then, but not to its author. */
  readonly observer: OrderObserver = {
    orderChanged: async (tx, { before, after, actor, eventId }) => {
      const concerned = new Set([before.leadUnitId, ...before.assistingUnitIds, after.leadUnitId, ...after.assistingUnitIds]);
      await this.notify(tx, eventId, actor, [...concerned].filter((u): u is string => !!u));
    },
  };

  /**
   * Within the event's transaction: owe the event to each of these units that has a webhook,
   * but never to the unit whose staff did it; queue after commit.
   */
  async notify(tx: OrderTx, eventId: string, author: Pick<Actor, 'unitId'>, unitIds: string[]): Promise<void> {
    const ids = await this.recordDeliveries(tx.m, eventId, unitIds.filter((u) => u !== author.unitId));
    if (ids.length) tx.afterCommit(() => this.enqueue(ids));
  }

  private async recordDeliveries(m: EntityManager, eventId: string, unitIds: string[]): Promise<string[]> {
    if (unitIds.length === 0) return [];
    const units = await m.find(Unit, { select: { id: true, webhookUrl: true }, where: { id: In(unitIds) } });
    const targets = units.filter((u) => u.webhookUrl);
    if (targets.length === 0) return [];
    const result = await m
      .createQueryBuilder()
      .insert()
      .into(WebhookDelivery)
      .values(targets.map((u) => ({ unitId: u.id, eventId, status: 'pending' as const, attempts: 0, nextAttemptAt: this.now() })))
      .orIgnore()
      .returning(['id'])
      .execute();
    return returnedRows<{ id: string }>(result.raw).map((r) => r.id);
  }

  /** After commit: queue the deliveries just recorded. */
  async enqueue(deliveryIds: string[]): Promise<void> {
    for (const id of deliveryIds) {
      try {
        await this.jobs.enqueue('webhook.deliver', { deliveryId: id }, { jobId: `webhook:${id}:0` });
      } catch (err) {
        // The row stays pending; the sweep queues it again.
        this.log.warn({ err, deliveryId: id }, 'could not queue a webhook delivery');
      }
    }
  }

  /**
   * The sweep: queue every pending delivery whose time has come (after a lost job, a job
   * that failed before it could claim its row, or a Redis flush). Its job ids carry the
   * minute, not the attempt count, so that they never collide with a job that failed
   * under an id of its own; two sweeps in one minute still queue a delivery once.
   */
  async sweep(limit = 500): Promise<number> {
    const now = this.now();
    const due = await this.db.read((m) =>
      m.find(WebhookDelivery, {
        select: { id: true },
        where: { status: 'pending', nextAttemptAt: LessThanOrEqual(now) },
        order: { nextAttemptAt: 'ASC' },
        take: limit,
      }),
    );
    const bucket = Math.floor(now.getTime() / 60_000);
    for (const d of due) await this.jobs.enqueue('webhook.deliver', { deliveryId: d.id }, { jobId: `webhook:${d.id}:sweep:${bucket}` });
    return due.length;
  }

  /** The job: claim the delivery with a lease, send it, record the outcome, schedule a retry. */
  async deliver(deliveryId: string): Promise<void> {
    const leaseMs = this.config.WEBHOOK_TIMEOUT_MS + 5_000;
    const claimed = await this.db.write(async (m) => {
      const rows = returnedRows<{ attempts: number }>(
        (
          await m
            .createQueryBuilder()
            .update(WebhookDelivery)
            .set({ attempts: () => 'attempts + 1', nextAttemptAt: new Date(this.now().getTime() + leaseMs) })
            .where('id = :id AND status = :pending AND next_attempt_at <= :now', { id: deliveryId, pending: 'pending', now: this.now() })
            .returning(['attempts'])
            .execute()
        ).raw,
      );
      if (rows.length === 0) return null;
      const delivery = await m.findOneByOrFail(WebhookDelivery, { id: deliveryId });
      const unit = await m.findOneByOrFail(Unit, { id: delivery.unitId });
      const event = await m.findOneByOrFail(WorkOrderEvent, { id: delivery.eventId });
      const order = await m.findOneByOrFail(WorkOrder, { id: event.workOrderId });
      const actorUnit = event.actorUnitId ? await m.findOne(Unit, { select: { code: true }, where: { id: event.actorUnitId } }) : null;
      return { attempts: rows[0].attempts, unit, body: JSON.stringify(webhookPayload(delivery.id, event, order, actorUnit?.code ?? null)) };
    });
    if (!claimed) return;
    const { unit, body, attempts } = claimed;
    if (!unit.webhookUrl || !unit.webhookSecret) return this.finish(deliveryId, attempts, { ok: false, error: 'the unit no longer has a webhook', final: true });
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    let outcome: { ok: boolean; status?: number; error?: string; final?: boolean };
    try {
      const response = await fetch(unit.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hotline-delivery': deliveryId,
          'x-hotline-timestamp': timestamp,
          'x-hotline-signature': signPayload(unit.webhookSecret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(this.config.WEBHOOK_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
      outcome = response.ok ? { ok: true, status: response.status } : { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (err) {
      outcome = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    await this.finish(deliveryId, attempts, outcome);
  }

  /** The delivery log of a unit; unit staff see only their own unit's. */
  async listForUnit(actor: Actor, unitCode: string, limit: number): Promise<DeliveryView[]> {
    return this.db.read(async (m) => {
      const unit = await m.findOneBy(Unit, { code: unitCode });
      if (!unit || (actor.role === 'unit' && actor.unitId !== unit.id)) throw notFound('unit', unitCode);
      const rows = await m.find(WebhookDelivery, { where: { unitId: unit.id }, order: { createdAt: 'DESC' }, take: limit });
      return rows.map(toView);
    });
  }

  private async finish(id: string, attempts: number, outcome: { ok: boolean; status?: number; error?: string; final?: boolean }): Promise<void> {
    const now = this.now();
    const giveUp = !outcome.ok && (outcome.final || attempts >= this.config.WEBHOOK_MAX_ATTEMPTS);
    const retryAt = new Date(now.getTime() + backoffMs(attempts, this.config.WEBHOOK_BACKOFF_MS));
    await this.db.write((m) =>
      m.update(
        WebhookDelivery,
        { id, status: 'pending' },
        {
          status: outcome.ok ? 'delivered' : giveUp ? 'failed' : 'pending',
          lastStatusCode: outcome.status ?? null,
          lastError: outcome.ok ? null : (outcome.error ?? null),
          deliveredAt: outcome.ok ? now : null,
          nextAttemptAt: outcome.ok || giveUp ? now : retryAt,
        },
      ),
    );
    this.log.info({ deliveryId: id, attempts, delivered: outcome.ok, status: outcome.status, gaveUp: giveUp }, 'webhook delivery attempted');
    if (!outcome.ok && !giveUp) {
      await this.jobs.enqueue('webhook.deliver', { deliveryId: id }, { jobId: `webhook:${id}:${attempts}`, delayMs: retryAt.getTime() - now.getTime() });
    }
  }
}

/**
 * What a unit receives: the event as the order's history records it (its details say which
 * milestone, deadline, urge or slip it is about) and the order's identity. Citizen data is
 * left out of every payload, confidential order or not: a receiving system reads the
 * citizen, masked as the unit may see it, from GET /api/v1/work-orders/{id}.
 */
export function webhookPayload(deliveryId: string, event: WorkOrderEvent, order: WorkOrder, actorUnitCode: string | null) {
  return {
    deliveryId,
    event: {
      id: String(event.id),
      version: event.version,
      action: event.action,
      fromState: event.fromState,
      toState: event.toState,
      reason: event.reason,
      details: event.details,
      actor: { name: event.actorName, role: event.actorRole, unitCode: actorUnitCode },
      at: event.at.toISOString(),
    },
    workOrder: {
      id: order.id,
      externalNo: order.externalNo,
      source: order.source,
      state: order.state,
      version: order.version,
      urgency: order.urgency,
      requestType: order.requestType,
      confidential: order.confidential,
    },
  };
}

function toView(d: WebhookDelivery): DeliveryView {
  return {
    id: d.id,
    eventId: String(d.eventId),
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextAttemptAt: d.nextAttemptAt.toISOString(),
    deliveredAt: d.deliveredAt ? d.deliveredAt.toISOString() : null,
    createdAt: d.createdAt.toISOString(),
  };
}
