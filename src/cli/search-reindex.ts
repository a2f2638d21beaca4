import { loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { reindexOrders, searchKey } from '../modules/work-orders/search-index';

/** Recomputes every order's search words and phone hashes (after SEARCH_HASH_KEY changed), in one transaction. */
async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const count = await db.write(async (m) => {
      const query = (sql: string, params?: unknown[]) => m.query(sql, params) as Promise<Record<string, unknown>[]>;
      return reindexOrders(query, await searchKey(query, config.SEARCH_HASH_KEY));
    });
    process.stdout.write(`orders re-indexed: ${count}\n`);
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
