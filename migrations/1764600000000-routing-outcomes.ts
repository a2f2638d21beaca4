import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A routing decision can be withdrawn: the order was merged into an original or cancelled
 * before anyone routed it, so it leaves the triage queue without teaching the model anything.
 */
export class RoutingOutcomes1764600000000 implements MigrationInterface {
  name = 'RoutingOutcomes1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE routing_decisions DROP CONSTRAINT ck_routing_decisions_outcome`);
    await q.query(`ALTER TABLE routing_decisions ADD CONSTRAINT ck_routing_decisions_outcome CHECK (outcome IN ('auto_dispatched', 'triage', 'confirmed', 'corrected', 'withdrawn'))`);
    await q.query(`
      UPDATE routing_decisions r SET outcome = 'withdrawn'
      FROM work_orders w WHERE w.id = r.work_order_id AND r.outcome = 'triage' AND w.state IN ('merged', 'cancelled')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE routing_decisions SET outcome = 'triage' WHERE outcome = 'withdrawn'`);
    await q.query(`ALTER TABLE routing_decisions DROP CONSTRAINT ck_routing_decisions_outcome`);
    await q.query(`ALTER TABLE routing_decisions ADD CONSTRAINT ck_routing_decisions_outcome CHECK (outcome IN ('auto_dispatched', 'triage', 'confirmed', 'corrected'))`);
  }
}
