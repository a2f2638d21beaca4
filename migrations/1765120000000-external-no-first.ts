import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The unique key of an order, (source, external_no), indexed number first: a look-up by the
 * number alone (any source) is then one probe of one leaf page, where the index in source order
 * took one probe per source (six leaf pages, most of them read from disk on a large table).
 * Intake's ON CONFLICT (source, external_no) infers the constraint from its columns, in any
 * order. Built CONCURRENTLY, outside a transaction, so that intake goes on while it builds
 * (about 3 s at a million orders on this machine); the swap of the constraint is one statement.
 */
export class ExternalNoFirst1765120000000 implements MigrationInterface {
  name = 'ExternalNoFirst1765120000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await swap(q, { from: 'uq_work_orders_source_external_no', to: 'uq_work_orders_external_no_source', columns: 'external_no, source' });
  }

  async down(q: QueryRunner): Promise<void> {
    await swap(q, { from: 'uq_work_orders_external_no_source', to: 'uq_work_orders_source_external_no', columns: 'source, external_no' });
  }
}

async function swap(q: QueryRunner, { from, to, columns }: { from: string; to: string; columns: string }): Promise<void> {
  const done = (await q.query(`SELECT 1 FROM pg_constraint WHERE conname = $1`, [to])) as unknown[];
  if (done.length) return;
  // An index left invalid by an interrupted build is dropped and built again.
  await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${to}`);
  await q.query(`CREATE UNIQUE INDEX CONCURRENTLY ${to} ON work_orders (${columns})`);
  await q.query(`ALTER TABLE work_orders DROP CONSTRAINT ${from}, ADD CONSTRAINT ${to} UNIQUE USING INDEX ${to}`);
}
