import type { MigrationInterface, QueryRunner } from 'typeorm';

const LEVELS = `'very_satisfied', 'satisfied', 'basically_satisfied', 'unsatisfied', 'very_unsatisfied'`;

/**
 * Callbacks, exemptions and the monthly assessment (domain.md §9, §10). Each unit's monthly
 * figures are tallied by triggers as milestones and callbacks change, in the same
 * transaction, so that a month's ranking reads a few rows per unit at any volume.
 * Months are counted in China Standard Time (UTC+8 all year), the bureau's calendar.
 */
export class Assessment1764500000000 implements MigrationInterface {
  name = 'Assessment1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE callbacks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        work_order_id uuid NOT NULL REFERENCES work_orders (id),
        cycle integer NOT NULL,
        unit_id uuid NOT NULL REFERENCES units (id),
        replied_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        state text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        satisfaction text,
        unit_fault boolean,
        completed_at timestamptz,
        exempt boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_callbacks_cycle UNIQUE (work_order_id, cycle),
        CONSTRAINT ck_callbacks_state CHECK (state IN ('pending', 'done', 'unreachable', 'cancelled')),
        CONSTRAINT ck_callbacks_satisfaction CHECK (satisfaction IN (${LEVELS})),
        CONSTRAINT ck_callbacks_done CHECK ((state = 'done') = (satisfaction IS NOT NULL)),
        CONSTRAINT ck_callbacks_completed CHECK ((state IN ('done', 'unreachable')) = (completed_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX ix_callbacks_pending ON callbacks (due_at) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX ix_callbacks_order ON callbacks (work_order_id)`);
    await q.query(`
      CREATE TABLE callback_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        callback_id uuid NOT NULL REFERENCES callbacks (id),
        number integer NOT NULL,
        at timestamptz NOT NULL,
        by_name text NOT NULL,
        result text NOT NULL,
        unit_fault boolean,
        notes text NOT NULL DEFAULT '',
        CONSTRAINT uq_callback_attempts UNIQUE (callback_id, number),
        CONSTRAINT ck_callback_attempts_result CHECK (result IN (${LEVELS}, 'unreachable'))
      )`);
    await q.query(`
      CREATE TABLE exemptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        work_order_id uuid NOT NULL REFERENCES work_orders (id),
        unit_id uuid NOT NULL REFERENCES units (id),
        reason text NOT NULL,
        state text NOT NULL DEFAULT 'requested',
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL,
        decided_by text,
        decided_at timestamptz,
        decision_note text,
        CONSTRAINT ck_exemptions_state CHECK (state IN ('requested', 'approved', 'refused'))
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_exemptions_open ON exemptions (work_order_id, unit_id) WHERE state IN ('requested', 'approved')`);
    await q.query(`ALTER TABLE work_order_milestones ADD COLUMN exempt boolean NOT NULL DEFAULT false`);
    await q.query(`
      CREATE TABLE unit_month_tallies (
        unit_id uuid NOT NULL REFERENCES units (id),
        month date NOT NULL,
        reply_due integer NOT NULL DEFAULT 0,
        replied integer NOT NULL DEFAULT 0,
        replied_on_time integer NOT NULL DEFAULT 0,
        close_due integer NOT NULL DEFAULT 0,
        closed integer NOT NULL DEFAULT 0,
        closed_on_time integer NOT NULL DEFAULT 0,
        callbacks_made integer NOT NULL DEFAULT 0,
        unreachable integer NOT NULL DEFAULT 0,
        very_satisfied integer NOT NULL DEFAULT 0,
        satisfied integer NOT NULL DEFAULT 0,
        basically_satisfied integer NOT NULL DEFAULT 0,
        unsatisfied integer NOT NULL DEFAULT 0,
        very_unsatisfied integer NOT NULL DEFAULT 0,
        PRIMARY KEY (unit_id, month)
      )`);
    await q.query(`CREATE INDEX ix_unit_month_tallies_month ON unit_month_tallies (month)`);

    // A milestone counts for the unit charged in the month it falls due; one cancelled before
    // its deadline (the order moved on in time) does not, one cancelled late does.
    await q.query(`
      CREATE FUNCTION tally_milestone(r work_order_milestones, sign integer) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF r.exempt OR r.milestone NOT IN ('reply', 'close') OR (r.state = 'cancelled' AND r.ended_at <= r.due_at) THEN
          RETURN;
        END IF;
        INSERT INTO unit_month_tallies AS t (unit_id, month, reply_due, replied, replied_on_time, close_due, closed, closed_on_time)
        VALUES (
          r.unit_id, date_trunc('month', r.due_at AT TIME ZONE 'Asia/Shanghai')::date,
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
      END $$`);
    await q.query(`
      CREATE FUNCTION tally_milestone_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM tally_milestone(OLD, -1); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM tally_milestone(NEW, 1); END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER tr_milestones_tally AFTER INSERT OR DELETE OR UPDATE OF state, met_at, ended_at, due_at, unit_id, exempt, milestone
      ON work_order_milestones FOR EACH ROW EXECUTE FUNCTION tally_milestone_change()`);

    // A callback counts for the unit whose reply it rates, in the month it was completed.
    await q.query(`
      CREATE FUNCTION tally_callback(r callbacks, sign integer) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF r.exempt OR r.state NOT IN ('done', 'unreachable') THEN
          RETURN;
        END IF;
        INSERT INTO unit_month_tallies AS t (unit_id, month, callbacks_made, unreachable, very_satisfied, satisfied, basically_satisfied, unsatisfied, very_unsatisfied)
        VALUES (
          r.unit_id, date_trunc('month', r.completed_at AT TIME ZONE 'Asia/Shanghai')::date,
          sign, sign * (r.state = 'unreachable')::int,
          sign * (r.satisfaction IS NOT DISTINCT FROM 'very_satisfied')::int, sign * (r.satisfaction IS NOT DISTINCT FROM 'satisfied')::int,
          sign * (r.satisfaction IS NOT DISTINCT FROM 'basically_satisfied')::int, sign * (r.satisfaction IS NOT DISTINCT FROM 'unsatisfied')::int,
          sign * (r.satisfaction IS NOT DISTINCT FROM 'very_unsatisfied')::int)
        ON CONFLICT (unit_id, month) DO UPDATE SET
          callbacks_made = t.callbacks_made + excluded.callbacks_made, unreachable = t.unreachable + excluded.unreachable,
          very_satisfied = t.very_satisfied + excluded.very_satisfied, satisfied = t.satisfied + excluded.satisfied,
          basically_satisfied = t.basically_satisfied + excluded.basically_satisfied, unsatisfied = t.unsatisfied + excluded.unsatisfied,
          very_unsatisfied = t.very_unsatisfied + excluded.very_unsatisfied;
      END $$`);
    await q.query(`
      CREATE FUNCTION tally_callback_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM tally_callback(OLD, -1); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM tally_callback(NEW, 1); END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER tr_callbacks_tally AFTER INSERT OR DELETE OR UPDATE OF state, satisfaction, completed_at, unit_id, exempt
      ON callbacks FOR EACH ROW EXECUTE FUNCTION tally_callback_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER tr_callbacks_tally ON callbacks`);
    await q.query(`DROP TRIGGER tr_milestones_tally ON work_order_milestones`);
    await q.query(`DROP FUNCTION tally_callback_change(), tally_callback(callbacks, integer), tally_milestone_change(), tally_milestone(work_order_milestones, integer)`);
    await q.query(`DROP TABLE unit_month_tallies`);
    await q.query(`ALTER TABLE work_order_milestones DROP COLUMN exempt`);
    await q.query(`DROP TABLE exemptions`);
    await q.query(`DROP TABLE callback_attempts`);
    await q.query(`DROP TABLE callbacks`);
  }
}
