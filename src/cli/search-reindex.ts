import { loadConfig } from '../config';
import { reindexOrders, searchKey } from '../modules/work-orders/search-index';
import { openDatabaseForTool, runTool } from './support';

/** Recomputes every order's search words and phone hashes (after SEARCH_HASH_KEY changed), in one transaction. */
async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabaseForTool(process.env, 'stop the service first: re-indexing rewrites every order');
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

runTool(main);
