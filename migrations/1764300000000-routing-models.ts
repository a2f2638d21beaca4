import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routing that learns and is edited: versioned knowledge documents and learned models
 * (one of each active at a time, older ones kept to switch back to), and the labelled
 * examples imported from a centre's history.
 */
export class RoutingModels1764300000000 implements MigrationInterface {
  name = 'RoutingModels1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE routing_knowledge (
        version text PRIMARY KEY,
        data jsonb NOT NULL,
        active boolean NOT NULL DEFAULT false,
        note text NOT NULL DEFAULT '',
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_routing_knowledge_active ON routing_knowledge (active) WHERE active`);
    await q.query(`
      CREATE TABLE routing_models (
        version text PRIMARY KEY,
        data jsonb NOT NULL,
        trained_on integer NOT NULL,
        labels text[] NOT NULL,
        sources jsonb NOT NULL,
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
        batch text NOT NULL,
        imported_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_routing_examples_batch ON routing_examples (batch)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE routing_examples`);
    await q.query(`DROP TABLE routing_models`);
    await q.query(`DROP TABLE routing_knowledge`);
  }
}
