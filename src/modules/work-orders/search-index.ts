import { randomBytes } from 'node:crypto';
import { phoneHashes, searchDocument } from './search';

type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * The deployment's search key: SEARCH_HASH_KEY when set, else the random key the search
 * migration stored in the database (every process of a deployment reads the same one).
 */
export async function searchKey(query: Query, configured = process.env.SEARCH_HASH_KEY): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const [row] = await query(`SELECT key FROM search_keys WHERE id = 1`);
  if (!row) throw new Error('search_keys holds no key: run the migrations');
  return Buffer.from(String(row.key), 'hex');
}

/** A fresh random key, as stored in search_keys (hex). */
export const newSearchKey = () => randomBytes(32).toString('hex');

/**
 * Recomputes the words and phone hashes of every order, a thousand at a time in id order:
 * after the search migration, or after SEARCH_HASH_KEY changed. The touch trigger is held off
 * so that partners' inboxes do not see every order as changed.
 */
export async function reindexOrders(query: Query, key: Buffer, batch = 1000): Promise<number> {
  let after = '00000000-0000-0000-0000-000000000000';
  let done = 0;
  await query(`ALTER TABLE work_orders DISABLE TRIGGER trg_work_orders_touch`);
  try {
    for (;;) {
      const rows = await query(
        `SELECT id, content, address, citizen_phone, received_at FROM work_orders WHERE id > $1 ORDER BY id LIMIT $2`,
        [after, batch],
      );
      if (rows.length === 0) break;
      const ids: string[] = [];
      const docs: string[] = [];
      const full: string[] = [];
      const last4: (string | null)[] = [];
      for (const r of rows) {
        const hashes = phoneHashes(key, String(r.citizen_phone));
        ids.push(String(r.id));
        docs.push(searchDocument(String(r.content), String(r.address), new Date(r.received_at as string | Date)));
        full.push(hashes.full);
        last4.push(hashes.last4);
      }
      await query(
        `UPDATE work_orders w SET search_words = to_tsvector('simple', v.doc), citizen_phone_hash = v.whole, citizen_phone_last4_hash = v.tail
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS v (id, doc, whole, tail) WHERE w.id = v.id`,
        [ids, docs, full, last4],
      );
      done += rows.length;
      after = ids[ids.length - 1];
    }
  } finally {
    await query(`ALTER TABLE work_orders ENABLE TRIGGER trg_work_orders_touch`);
  }
  return done;
}
