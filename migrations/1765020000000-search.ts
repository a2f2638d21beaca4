import type { MigrationInterface, QueryRunner } from 'typeorm';
import { newSearchKey, reindexOrders, searchKey } from '../src/modules/work-orders/search-index';

/**
 * Indexed search of work orders (issue 13): the order's words as the router's segmenter
 * splits them, with its day, in a `tsvector` of the `simple` configuration under a GIN index;
 * keyed hashes of the caller's phone and of its last four digits; and the deployment's random
 * search key (used unless SEARCH_HASH_KEY is set). Existing orders are indexed here.
 */
export class Search1765020000000 implements MigrationInterface {
  name = 'Search1765020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE search_keys (id smallint PRIMARY KEY CHECK (id = 1), key text NOT NULL)`);
    await q.query(`INSERT INTO search_keys (id, key) VALUES (1, $1)`, [newSearchKey()]);
    await q.query(`ALTER TABLE work_orders ADD COLUMN search_words tsvector NOT NULL DEFAULT ''::tsvector,
                   ADD COLUMN citizen_phone_hash text, ADD COLUMN citizen_phone_last4_hash text`);
    const query = (sql: string, params?: unknown[]) => q.query(sql, params) as Promise<Record<string, unknown>[]>;
    await reindexOrders(query, await searchKey(query));
    // Built after the backfill: one sort rather than a million index insertions.
    await q.query(`CREATE INDEX ix_work_orders_search ON work_orders USING gin (search_words)`);
    await q.query(`CREATE INDEX ix_work_orders_phone ON work_orders (citizen_phone_hash, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_work_orders_phone_last4 ON work_orders (citizen_phone_last4_hash, received_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_work_orders_phone_last4`);
    await q.query(`DROP INDEX ix_work_orders_phone`);
    await q.query(`DROP INDEX ix_work_orders_search`);
    await q.query(`ALTER TABLE work_orders DROP COLUMN citizen_phone_last4_hash, DROP COLUMN citizen_phone_hash, DROP COLUMN search_words`);
    await q.query(`DROP TABLE search_keys`);
  }
}
