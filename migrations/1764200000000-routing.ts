import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Routing decisions on intake: what the router said, whether it dispatched, and the operator's correction. */
export class Routing1764200000000 implements MigrationInterface {
  name = 'Routing1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE routing_decisions (
        work_order_id uuid PRIMARY KEY REFERENCES work_orders (id),
        police boolean NOT NULL,
        suggested_unit_code text,
        confidence double precision NOT NULL,
        decision jsonb NOT NULL,
        knowledge_version text NOT NULL,
        model_version text,
        outcome text NOT NULL,
        decided_at timestamptz NOT NULL,
        resolved_unit_code text,
        resolved_by text,
        resolved_at timestamptz,
        CONSTRAINT ck_routing_decisions_outcome CHECK (outcome IN ('auto_dispatched', 'triage', 'confirmed', 'corrected'))
      )`);
    // The triage queue: orders the router was not sure about, oldest first.
    await q.query(`CREATE INDEX ix_routing_decisions_triage ON routing_decisions (decided_at) WHERE outcome = 'triage'`);
    // What the sweep routes when a routing job was lost: new orders without a decision.
    await q.query(`CREATE INDEX ix_work_orders_new ON work_orders (created_at) WHERE state = 'received'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_work_orders_new`);
    await q.query(`DROP TABLE routing_decisions`);
  }
}
