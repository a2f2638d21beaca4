import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every training an administrator asks for is a run with a state an administrator can follow:
 * queued, running, then succeeded (with the model it gave and what became of it: activated,
 * kept aside, or unchanged when the same examples gave a model that already existed) or failed
 * (with why). Before, a training job that failed or changed nothing left no trace anyone could read.
 */
export class RoutingTrainingRuns1765130000000 implements MigrationInterface {
  name = 'RoutingTrainingRuns1765130000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE routing_training_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL,
        sources jsonb NOT NULL,
        state text NOT NULL DEFAULT 'queued' CONSTRAINT ck_routing_training_runs_state CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
        started_at timestamptz,
        finished_at timestamptz,
        model_version text REFERENCES routing_models (version) ON DELETE SET NULL,
        outcome text CONSTRAINT ck_routing_training_runs_outcome CHECK (outcome IN ('activated', 'kept', 'unchanged')),
        error_code text,
        error text,
        CONSTRAINT ck_routing_training_runs_finished CHECK ((state = 'succeeded') = (outcome IS NOT NULL) AND (state = 'failed') = (error_code IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX ix_routing_training_runs_requested ON routing_training_runs (requested_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE routing_training_runs`);
  }
}
