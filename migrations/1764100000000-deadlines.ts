import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deadlines (domain.md §7, §8): the holiday calendar, deadline policies, each order's
 * milestones with their outcome and the unit charged, urges, and director supervision slips.
 */
export class Deadlines1764100000000 implements MigrationInterface {
  name = 'Deadlines1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE calendar_days (
        day date PRIMARY KEY,
        kind text NOT NULL,
        name text NOT NULL DEFAULT '',
        source text NOT NULL DEFAULT 'admin',
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_calendar_days_kind CHECK (kind IN ('holiday', 'workday')),
        CONSTRAINT ck_calendar_days_source CHECK (source IN ('package', 'admin'))
      )`);
    await q.query(`
      CREATE TABLE deadline_policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        request_type text,
        urgency text,
        category text,
        rules jsonb NOT NULL,
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_deadline_policies_name UNIQUE (name)
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_deadline_policies_scope ON deadline_policies (coalesce(request_type, '*'), coalesce(urgency, '*'), coalesce(category, '*')) WHERE active`);
    await q.query(`
      CREATE TABLE work_order_milestones (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        work_order_id uuid NOT NULL REFERENCES work_orders (id),
        milestone text NOT NULL,
        cycle integer NOT NULL,
        unit_id uuid NOT NULL REFERENCES units (id),
        policy_id uuid REFERENCES deadline_policies (id),
        limit_rule jsonb NOT NULL,
        starts_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        warn_at timestamptz NOT NULL,
        extended_days integer NOT NULL DEFAULT 0,
        state text NOT NULL DEFAULT 'open',
        met_at timestamptz,
        ended_at timestamptz,
        late_ms bigint,
        warned_at timestamptz,
        overdue_at timestamptz,
        urge_count integer NOT NULL DEFAULT 0,
        next_urge_at timestamptz,
        escalated_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_work_order_milestones UNIQUE (work_order_id, milestone, cycle),
        CONSTRAINT ck_work_order_milestones_kind CHECK (milestone IN ('sign', 'reply', 'close')),
        CONSTRAINT ck_work_order_milestones_state CHECK (state IN ('open', 'met', 'cancelled')),
        CONSTRAINT ck_work_order_milestones_met CHECK ((state = 'met') = (met_at IS NOT NULL)),
        CONSTRAINT ck_work_order_milestones_ended CHECK ((state = 'open') = (ended_at IS NULL))
      )`);
    // What the sweep looks for, each a range scan over a small partial index.
    await q.query(`CREATE INDEX ix_milestones_warn_due ON work_order_milestones (warn_at) WHERE state = 'open' AND warned_at IS NULL`);
    await q.query(`CREATE INDEX ix_milestones_overdue_due ON work_order_milestones (due_at) WHERE state = 'open' AND overdue_at IS NULL`);
    await q.query(`CREATE INDEX ix_milestones_urge_due ON work_order_milestones (next_urge_at) WHERE state = 'open' AND next_urge_at IS NOT NULL`);
    await q.query(`CREATE INDEX ix_milestones_order ON work_order_milestones (work_order_id)`);
    await q.query(`CREATE INDEX ix_milestones_unit_due ON work_order_milestones (unit_id, due_at)`);
    await q.query(`
      CREATE TABLE urges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        milestone_id uuid NOT NULL REFERENCES work_order_milestones (id),
        work_order_id uuid NOT NULL REFERENCES work_orders (id),
        unit_id uuid NOT NULL REFERENCES units (id),
        number integer NOT NULL,
        at timestamptz NOT NULL,
        CONSTRAINT uq_urges_number UNIQUE (milestone_id, number)
      )`);
    await q.query(`CREATE INDEX ix_urges_unit_at ON urges (unit_id, at)`);
    await q.query(`
      CREATE TABLE slip_counters (
        year integer PRIMARY KEY,
        last_number integer NOT NULL
      )`);
    await q.query(`
      CREATE TABLE supervision_slips (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        year integer NOT NULL,
        number integer NOT NULL,
        title text NOT NULL,
        trigger text NOT NULL,
        reason text NOT NULL,
        unit_id uuid NOT NULL REFERENCES units (id),
        lead_name text NOT NULL,
        supervisor_name text NOT NULL,
        handler_name text NOT NULL,
        due_at timestamptz NOT NULL,
        state text NOT NULL DEFAULT 'open',
        chief_callback jsonb,
        result text,
        raised_by text NOT NULL,
        closed_by text,
        closed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CONSTRAINT uq_supervision_slips_number UNIQUE (year, number),
        CONSTRAINT ck_supervision_slips_state CHECK (state IN ('open', 'result_submitted', 'closed')),
        CONSTRAINT ck_supervision_slips_trigger CHECK (trigger IN ('difficult', 'overdue', 'redo_failed', 'repeats', 'commander')),
        CONSTRAINT ck_supervision_slips_closed CHECK ((state = 'closed') = (closed_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX ix_supervision_slips_open_due ON supervision_slips (due_at) WHERE state <> 'closed'`);
    await q.query(`CREATE INDEX ix_supervision_slips_unit ON supervision_slips (unit_id, state)`);
    await q.query(`
      CREATE TABLE supervision_slip_orders (
        slip_id uuid NOT NULL REFERENCES supervision_slips (id),
        work_order_id uuid NOT NULL REFERENCES work_orders (id),
        PRIMARY KEY (slip_id, work_order_id)
      )`);
    await q.query(`CREATE INDEX ix_supervision_slip_orders_order ON supervision_slip_orders (work_order_id)`);
    // A rule raises at most one slip per order and trigger, however many workers race:
    // the trigger row is claimed first, and the slip it names is written later in the
    // same transaction (hence the deferred foreign key).
    await q.query(`
      CREATE TABLE supervision_triggers (
        work_order_id uuid NOT NULL REFERENCES work_orders (id),
        trigger text NOT NULL,
        slip_id uuid NOT NULL REFERENCES supervision_slips (id) DEFERRABLE INITIALLY DEFERRED,
        PRIMARY KEY (work_order_id, trigger)
      )`);
    await q.query(`
      CREATE TABLE supervision_slip_notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slip_id uuid NOT NULL REFERENCES supervision_slips (id),
        kind text NOT NULL,
        text text NOT NULL,
        author_name text NOT NULL,
        author_role text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_supervision_slip_notes_kind CHECK (kind IN ('progress', 'chief_callback', 'result', 'sign_off', 'reopen'))
      )`);
    await q.query(`CREATE INDEX ix_supervision_slip_notes_slip ON supervision_slip_notes (slip_id, at)`);
    await q.query(`ALTER TABLE work_orders ADD COLUMN difficult boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE work_orders ADD COLUMN return_due_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE work_orders DROP COLUMN return_due_at`);
    await q.query(`ALTER TABLE work_orders DROP COLUMN difficult`);
    await q.query(`DROP TABLE supervision_slip_notes`);
    await q.query(`DROP TABLE supervision_triggers`);
    await q.query(`DROP TABLE supervision_slip_orders`);
    await q.query(`DROP TABLE supervision_slips`);
    await q.query(`DROP TABLE slip_counters`);
    await q.query(`DROP TABLE urges`);
    await q.query(`DROP TABLE work_order_milestones`);
    await q.query(`DROP TABLE deadline_policies`);
    await q.query(`DROP TABLE calendar_days`);
  }
}
