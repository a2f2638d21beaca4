import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Learned routing models (versioned, one active) and the labelled examples they learn from. */
export class RoutingModels1764300000000 implements MigrationInterface {
  name = 'RoutingModels1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE routing_models (
        version text PRIMARY KEY,
        data jsonb NOT NULL,
        trained_on integer NOT NULL,
        labels text[] NOT NULL,
        active boolean NOT NULL DEFAULT false,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_routing_models_active ON routing_models (active) WHERE active`);
    await q.query(`
      CREATE TABLE routing_examples (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        text text NOT NULL,
        unit_code text NOT NULL REFERENCES units (code) ON UPDATE CASCADE,
        source text NOT NULL,
        batch text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_routing_examples_source CHECK (source IN ('import', 'correction'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE routing_examples`);
    await q.query(`DROP TABLE routing_models`);
  }
}
