import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A slip's own deadline is watched like an order's: the handling unit is warned the day before
 * and told once it is overdue. Each notice is given once (its time is kept on the slip), and the
 * sweep finds what is due through two partial indexes.
 */
export class SlipNotices1764800000000 implements MigrationInterface {
  name = 'SlipNotices1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE supervision_slips ADD COLUMN warned_at timestamptz, ADD COLUMN overdue_at timestamptz`);
    await q.query(`CREATE INDEX ix_slips_warn_due ON supervision_slips (due_at) WHERE state = 'open' AND warned_at IS NULL`);
    await q.query(`CREATE INDEX ix_slips_overdue_due ON supervision_slips (due_at) WHERE state = 'open' AND overdue_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_slips_overdue_due`);
    await q.query(`DROP INDEX ix_slips_warn_due`);
    await q.query(`ALTER TABLE supervision_slips DROP COLUMN overdue_at, DROP COLUMN warned_at`);
  }
}
