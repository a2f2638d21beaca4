import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A model earns activation: every training run's evaluation on held-back examples is kept with
 * the model, and every decision to activate it, keep it aside or switch it is an event with
 * who, when and why. Models trained before have no evaluation (null).
 */
export class RoutingModelEvaluation1765100000000 implements MigrationInterface {
  name = 'RoutingModelEvaluation1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE routing_models ADD COLUMN evaluation jsonb`);
    await q.query(`
      CREATE TABLE routing_model_events (
        id bigserial PRIMARY KEY,
        model_version text NOT NULL REFERENCES routing_models (version) ON DELETE CASCADE,
        action text NOT NULL CONSTRAINT ck_routing_model_events_action CHECK (action IN ('activated', 'kept', 'activated_by_admin', 'deactivated', 'replaced')),
        reason text NOT NULL,
        actor text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_routing_model_events_model ON routing_model_events (model_version, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE routing_model_events`);
    await q.query(`ALTER TABLE routing_models DROP COLUMN evaluation`);
  }
}
