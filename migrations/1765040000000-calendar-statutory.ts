import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Calendar days may come from a third source: 'statutory', derived from the 《全国年节及纪念日放假办法》
 * for a year whose State Council notice is not yet in the database. Such days are provisional
 * until the notice replaces them.
 */
export class CalendarStatutory1765040000000 implements MigrationInterface {
  name = 'CalendarStatutory1765040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE calendar_days DROP CONSTRAINT ck_calendar_days_source`);
    await q.query(`ALTER TABLE calendar_days ADD CONSTRAINT ck_calendar_days_source CHECK (source IN ('package', 'admin', 'statutory'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Derived days are not a notice: without this migration's code they would stand for one and keep the year from being seeded.
    await q.query(`DELETE FROM calendar_days WHERE source = 'statutory'`);
    await q.query(`ALTER TABLE calendar_days DROP CONSTRAINT ck_calendar_days_source`);
    await q.query(`ALTER TABLE calendar_days ADD CONSTRAINT ck_calendar_days_source CHECK (source IN ('package', 'admin'))`);
  }
}
