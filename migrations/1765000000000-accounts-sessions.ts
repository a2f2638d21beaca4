import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personal accounts (user name and password), the record of every sign-in, server-side
 * browser sessions bound to the role and unit of sign-in, and the wake-up that live events
 * ride on: every statement that writes work-order events notifies `hotline_events` when its
 * transaction commits (NOTIFY is transactional: a rolled-back change wakes nobody).
 *
 * An event's actor may now be an account as well as an API principal, so its foreign key
 * to principals goes (its id and name stay on the event).
 */
export class AccountsSessions1765000000000 implements MigrationInterface {
  name = 'AccountsSessions1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL,
        name text NOT NULL,
        role text NOT NULL,
        unit_id uuid REFERENCES units (id),
        password_hash text NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        failed_attempts integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_accounts_role CHECK (role IN ('operator', 'unit', 'commander', 'admin')),
        CONSTRAINT ck_accounts_unit CHECK ((role = 'unit') = (unit_id IS NOT NULL)),
        CONSTRAINT ck_accounts_username CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$')
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_accounts_username ON accounts (username)`);
    await q.query(`
      CREATE TABLE sign_ins (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username text NOT NULL,
        account_id uuid REFERENCES accounts (id) ON DELETE SET NULL,
        success boolean NOT NULL,
        reason text NOT NULL,
        ip text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_sign_ins_at ON sign_ins (at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_sign_ins_username ON sign_ins (username, at DESC)`);
    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        id_hash text NOT NULL,
        account_id uuid REFERENCES accounts (id) ON DELETE CASCADE,
        principal_id uuid REFERENCES principals (id) ON DELETE CASCADE,
        role text NOT NULL,
        unit_id uuid REFERENCES units (id),
        csrf_token text NOT NULL,
        ip text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        ended_reason text,
        CONSTRAINT uq_sessions_id_hash UNIQUE (id_hash),
        CONSTRAINT ck_sessions_holder CHECK ((account_id IS NULL) <> (principal_id IS NULL))
      )`);
    await q.query(`CREATE INDEX ix_sessions_account_open ON sessions (account_id) WHERE ended_at IS NULL`);
    await q.query(`CREATE INDEX ix_sessions_principal_open ON sessions (principal_id) WHERE ended_at IS NULL`);
    await q.query(`ALTER TABLE work_order_events DROP CONSTRAINT IF EXISTS work_order_events_actor_id_fkey`);
    await q.query(`
      CREATE FUNCTION work_order_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('hotline_events', '');
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER trg_work_order_events_notify AFTER INSERT ON work_order_events FOR EACH STATEMENT EXECUTE FUNCTION work_order_events_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER trg_work_order_events_notify ON work_order_events`);
    await q.query(`DROP FUNCTION work_order_events_notify()`);
    // Events by accounts name no principal: the key comes back for new rows only.
    await q.query(`ALTER TABLE work_order_events ADD CONSTRAINT work_order_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES principals (id) NOT VALID`);
    await q.query(`DROP TABLE sessions`);
    await q.query(`DROP TABLE sign_ins`);
    await q.query(`DROP TABLE accounts`);
  }
}
