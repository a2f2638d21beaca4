import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The unit whose staff recorded a noise-source check: a unit reads only its own checks.
 * Checks recorded before are attributed through the recording principal's name where it
 * names one unit-staff principal; the rest stay unattributed (centre staff see them, units do not).
 */
export class NoiseCheckUnit1765110000000 implements MigrationInterface {
  name = 'NoiseCheckUnit1765110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE noise_source_checks ADD COLUMN recorded_by_unit_id uuid REFERENCES units (id)`);
    await q.query(`
      UPDATE noise_source_checks c SET recorded_by_unit_id = p.unit_id
      FROM (SELECT name, min(unit_id::text)::uuid AS unit_id FROM principals WHERE role = 'unit' AND unit_id IS NOT NULL GROUP BY name HAVING count(DISTINCT unit_id) = 1) p
      WHERE p.name = c.recorded_by`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE noise_source_checks DROP COLUMN recorded_by_unit_id`);
  }
}
