import { loadConfig } from '../config';
import { openDatabase } from '../db/database';

/** Applies pending migrations to DATABASE_URL, or to the embedded database under DATA_DIR. `--revert` undoes the last one. */
async function main(): Promise<void> {
  const db = await openDatabase(loadConfig());
  try {
    if (process.argv.includes('--revert')) await db.dataSource.undoLastMigration({ transaction: 'each' });
    else await db.migrate();
    const applied = await db.read((m) => m.query('SELECT name FROM migrations ORDER BY id'));
    process.stdout.write(`migrations applied: ${(applied as { name: string }[]).map((r) => r.name).join(', ') || 'none'}\n`);
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
