import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tally functions of 1764500000000, with the month read in `zone` (an SQL expression). */
function tallyFunctions(zone: string): string[] {
  return [
    `CREATE OR REPLACE FUNCTION tally_milestone(r work_order_milestones, sign integer) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF r.exempt OR r.milestone NOT IN ('reply', 'close') OR (r.state = 'cancelled' AND r.ended_at <= r.due_at) THEN
          RETURN;
        END IF;
        INSERT INTO unit_month_tallies AS t (unit_id, month, reply_due, replied, replied_on_time, close_due, closed, closed_on_time)
        VALUES (
          r.unit_id, date_trunc('month', r.due_at AT TIME ZONE ${zone})::date,
          sign * (r.milestone = 'reply')::int,
          sign * (r.milestone = 'reply' AND r.state = 'met')::int,
          sign * (r.milestone = 'reply' AND r.state = 'met' AND r.met_at <= r.due_at)::int,
          sign * (r.milestone = 'close')::int,
          sign * (r.milestone = 'close' AND r.state = 'met')::int,
          sign * (r.milestone = 'close' AND r.state = 'met' AND r.met_at <= r.due_at)::int)
        ON CONFLICT (unit_id, month) DO UPDATE SET
          reply_due = t.reply_due + excluded.reply_due, replied = t.replied + excluded.replied,
          replied_on_time = t.replied_on_time + excluded.replied_on_time, close_due = t.close_due + excluded.close_due,
          closed = t.closed + excluded.closed, closed_on_time = t.closed_on_time + excluded.closed_on_time;
      END $$`,
    `CREATE OR REPLACE FUNCTION tally_callback(r callbacks, sign integer) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF r.exempt OR r.state NOT IN ('done', 'unreachable') THEN
          RETURN;
        END IF;
        INSERT INTO unit_month_tallies AS t (unit_id, month, callbacks_made, unreachable, very_satisfied, satisfied, basically_satisfied, unsatisfied, very_unsatisfied)
        VALUES (
          r.unit_id, date_trunc('month', r.completed_at AT TIME ZONE ${zone})::date,
          sign, sign * (r.state = 'unreachable')::int,
          sign * (r.satisfaction IS NOT DISTINCT FROM 'very_satisfied')::int, sign * (r.satisfaction IS NOT DISTINCT FROM 'satisfied')::int,
          sign * (r.satisfaction IS NOT DISTINCT FROM 'basically_satisfied')::int, sign * (r.satisfaction IS NOT DISTINCT FROM 'unsatisfied')::int,
          sign * (r.satisfaction IS NOT DISTINCT FROM 'very_unsatisfied')::int)
        ON CONFLICT (unit_id, month) DO UPDATE SET
          callbacks_made = t.callbacks_made + excluded.callbacks_made, unreachable = t.unreachable + excluded.unreachable,
          very_satisfied = t.very_satisfied + excluded.very_satisfied, satisfied = t.satisfied + excluded.satisfied,
          basically_satisfied = t.basically_satisfied + excluded.basically_satisfied, unsatisfied = t.unsatisfied + excluded.unsatisfied,
          very_unsatisfied = t.very_unsatisfied + excluded.very_unsatisfied;
      END $$`,
  ];
}

/**
 * The bureau's time zone (TZ_BUREAU) in the database, so that the tally triggers count months
 * in it rather than in a zone written into their code. One row, written by the service at
 * start-up (AssessmentService.adoptTimeZone, which rebuilds the tallies when the zone
 * changes); every process and every connection reads the same value, on PostgreSQL and on
 * PGlite alike. Until a process has started, the zone stays China Standard Time, as before.
 */
export class BureauTimeZone1765010000000 implements MigrationInterface {
  name = 'BureauTimeZone1765010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bureau_time (
        only_row boolean PRIMARY KEY DEFAULT true CONSTRAINT ck_bureau_time_one_row CHECK (only_row),
        time_zone text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO bureau_time (time_zone) VALUES ('Asia/Shanghai')`);
    await q.query(`CREATE FUNCTION bureau_time_zone() RETURNS text LANGUAGE sql STABLE AS $$ SELECT time_zone FROM bureau_time $$`);
    for (const sql of tallyFunctions('bureau_time_zone()')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of tallyFunctions(`'Asia/Shanghai'`)) await q.query(sql);
    await q.query(`DROP FUNCTION bureau_time_zone()`);
    await q.query(`DROP TABLE bureau_time`);
  }
}
