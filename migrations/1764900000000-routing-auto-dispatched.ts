import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether the router dispatched an order by itself, kept when an operator later corrects it
 * (the outcome then reads 'corrected'), so that the routing quality report can count the
 * auto-dispatches that were wrong. Decisions made before are recognised by the router's own
 * dispatch event.
 */
export class RoutingAutoDispatched1764900000000 implements MigrationInterface {
  name = 'RoutingAutoDispatched1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE routing_decisions ADD COLUMN auto_dispatched boolean NOT NULL DEFAULT false`);
    await q.query(`
      UPDATE routing_decisions r SET auto_dispatched = true
      WHERE r.outcome = 'auto_dispatched'
         OR EXISTS (SELECT 1 FROM work_order_events e WHERE e.work_order_id = r.work_order_id AND e.action = 'dispatch' AND e.actor_role = 'system' AND e.actor_name = 'router')`);
    await q.query(`CREATE INDEX ix_routing_decisions_decided_at ON routing_decisions (decided_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_routing_decisions_decided_at`);
    await q.query(`ALTER TABLE routing_decisions DROP COLUMN auto_dispatched`);
  }
}
