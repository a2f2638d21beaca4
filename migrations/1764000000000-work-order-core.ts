import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The work-order core: unit directory, API principals, work orders, their events and webhook deliveries. */
export class WorkOrderCore1764000000000 implements MigrationInterface {
  name = 'WorkOrderCore1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE units (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL,
        name text NOT NULL,
        kind text NOT NULL,
        parent_id uuid REFERENCES units (id),
        active boolean NOT NULL DEFAULT true,
        contact jsonb NOT NULL DEFAULT '{}',
        jurisdiction text[] NOT NULL DEFAULT '{}',
        webhook_url text,
        webhook_secret text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_units_code UNIQUE (code),
        CONSTRAINT ck_units_kind CHECK (kind IN ('brigade', 'station', 'centre', 'agency', 'utility', 'subdistrict')),
        CONSTRAINT ck_units_code CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,39}$'),
        CONSTRAINT ck_units_webhook CHECK ((webhook_url IS NULL) = (webhook_secret IS NULL))
      )`);
    await q.query(`
      CREATE TABLE principals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL,
        unit_id uuid REFERENCES units (id),
        token_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CONSTRAINT uq_principals_token_hash UNIQUE (token_hash),
        CONSTRAINT ck_principals_role CHECK (role IN ('operator', 'unit', 'commander', 'admin')),
        CONSTRAINT ck_principals_unit CHECK ((role = 'unit') = (unit_id IS NOT NULL))
      )`);
    await q.query(`
      CREATE TABLE work_orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        source text NOT NULL,
        external_no text NOT NULL,
        intake_digest text NOT NULL,
        received_at timestamptz NOT NULL,
        request_type text NOT NULL,
        urgency text NOT NULL,
        citizen_name text NOT NULL,
        citizen_phone text NOT NULL,
        confidential boolean NOT NULL DEFAULT false,
        content text NOT NULL,
        address text NOT NULL DEFAULT '',
        category text,
        latitude double precision,
        longitude double precision,
        attachments jsonb NOT NULL DEFAULT '[]',
        state text NOT NULL DEFAULT 'received',
        lead_unit_id uuid REFERENCES units (id),
        assisting_unit_ids uuid[] NOT NULL DEFAULT '{}',
        holder_unit_ids uuid[] NOT NULL DEFAULT '{}',
        dispatch_count integer NOT NULL DEFAULT 0,
        pending_return jsonb,
        pending_extension jsonb,
        reply jsonb,
        closed_at timestamptz,
        merged_into_id uuid REFERENCES work_orders (id),
        version integer NOT NULL DEFAULT 1,
        change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_work_orders_source_external_no UNIQUE (source, external_no),
        CONSTRAINT ck_work_orders_state CHECK (state IN ('received', 'dispatched', 'signed', 'returned', 'replied', 'closed', 'reopened', 'merged', 'cancelled')),
        CONSTRAINT ck_work_orders_lead CHECK (state IN ('received', 'merged', 'cancelled') OR lead_unit_id IS NOT NULL),
        CONSTRAINT ck_work_orders_merged CHECK ((state = 'merged') = (merged_into_id IS NOT NULL)),
        CONSTRAINT ck_work_orders_returned CHECK ((state = 'returned') = (pending_return IS NOT NULL)),
        CONSTRAINT ck_work_orders_location CHECK ((latitude IS NULL) = (longitude IS NULL))
      )`);
    // Every write moves the row to the end of the change feed (the inbox cursor):
    // the transaction id orders changes so that a reader can tell which are final.
    await q.query(`
      CREATE FUNCTION work_orders_touch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.change_xid := pg_current_xact_id();
        NEW.updated_at := now();
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER trg_work_orders_touch BEFORE UPDATE ON work_orders FOR EACH ROW EXECUTE FUNCTION work_orders_touch()`);
    await q.query(`CREATE INDEX ix_work_orders_received ON work_orders (received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_work_orders_state_received ON work_orders (state, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_work_orders_lead_received ON work_orders (lead_unit_id, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_work_orders_lead_change ON work_orders (lead_unit_id, change_xid, id)`);
    await q.query(`CREATE INDEX ix_work_orders_holders ON work_orders USING gin (holder_unit_ids)`);
    await q.query(`CREATE INDEX ix_work_orders_assisting ON work_orders USING gin (assisting_unit_ids)`);
    await q.query(`
      CREATE TABLE work_order_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        work_order_id uuid NOT NULL REFERENCES work_orders (id),
        version integer NOT NULL,
        action text NOT NULL,
        from_state text,
        to_state text NOT NULL,
        actor_id uuid REFERENCES principals (id),
        actor_name text NOT NULL,
        actor_role text NOT NULL,
        actor_unit_id uuid REFERENCES units (id),
        reason text,
        details jsonb NOT NULL DEFAULT '{}',
        at timestamptz NOT NULL DEFAULT now()
      )`);
    // Changes by the centre or a unit each bump the order's version; notices by the
    // system (warnings, urges) are events too but leave the order's version alone.
    await q.query(`CREATE INDEX ix_work_order_events_order ON work_order_events (work_order_id, id)`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        unit_id uuid NOT NULL REFERENCES units (id),
        event_id bigint NOT NULL REFERENCES work_order_events (id),
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_webhook_deliveries_unit_event UNIQUE (unit_id, event_id),
        CONSTRAINT ck_webhook_deliveries_status CHECK (status IN ('pending', 'delivered', 'failed'))
      )`);
    await q.query(`CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX ix_webhook_deliveries_unit ON webhook_deliveries (unit_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE work_order_events`);
    await q.query(`DROP TABLE work_orders`);
    await q.query(`DROP FUNCTION work_orders_touch()`);
    await q.query(`DROP TABLE principals`);
    await q.query(`DROP TABLE units`);
  }
}
