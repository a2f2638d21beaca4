import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Repeat complaints (domain.md §11): each order keeps the place key of its address, the
 * original it repeats and the noise source it is about; the register of noise sources
 * (seed 000's 噪音处置登记表) with the checks made on each.
 */
export class Repeats1764400000000 implements MigrationInterface {
  name = 'Repeats1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE noise_sources (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        place text NOT NULL,
        place_key text NOT NULL,
        kind text NOT NULL,
        organiser text NOT NULL DEFAULT '',
        contact text NOT NULL DEFAULT '',
        note text NOT NULL DEFAULT '',
        active boolean NOT NULL DEFAULT true,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT ck_noise_sources_kind CHECK (kind IN ('square_dance', 'loudspeaker', 'venue', 'neighbour', 'shop', 'construction', 'dogs', 'traffic', 'other'))
      )`);
    await q.query(`CREATE INDEX ix_noise_sources_place_key ON noise_sources (place_key) WHERE active`);
    await q.query(`
      CREATE TABLE noise_source_checks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        noise_source_id uuid NOT NULL REFERENCES noise_sources (id) ON DELETE CASCADE,
        checked_at timestamptz NOT NULL,
        checked_by text NOT NULL,
        result text NOT NULL,
        recorded_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_noise_source_checks_source ON noise_source_checks (noise_source_id, checked_at)`);
    await q.query(`ALTER TABLE work_orders ADD COLUMN place_key text NOT NULL DEFAULT ''`);
    await q.query(`ALTER TABLE work_orders ADD COLUMN repeat_of_id uuid REFERENCES work_orders (id)`);
    await q.query(`ALTER TABLE work_orders ADD COLUMN noise_source_id uuid REFERENCES noise_sources (id)`);
    await q.query(`CREATE INDEX ix_work_orders_place ON work_orders (place_key, received_at) WHERE place_key <> ''`);
    await q.query(`CREATE INDEX ix_work_orders_caller ON work_orders (citizen_phone, received_at)`);
    await q.query(`CREATE INDEX ix_work_orders_repeat_of ON work_orders (repeat_of_id) WHERE repeat_of_id IS NOT NULL`);
    await q.query(`CREATE INDEX ix_work_orders_merged_into ON work_orders (merged_into_id) WHERE merged_into_id IS NOT NULL`);
    await q.query(`CREATE INDEX ix_work_orders_noise_source ON work_orders (noise_source_id) WHERE noise_source_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_work_orders_merged_into`);
    await q.query(`ALTER TABLE work_orders DROP COLUMN noise_source_id, DROP COLUMN repeat_of_id, DROP COLUMN place_key`);
    await q.query(`DROP TABLE noise_source_checks`);
    await q.query(`DROP TABLE noise_sources`);
  }
}
