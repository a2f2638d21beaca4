import { openDatabaseForTool, runTool } from './support';

/** Applies pending migrations to DATABASE_URL, or to the embedded database under DATA_DIR. `--revert` undoes the last one. */
export async function migrate(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const db = await openDatabaseForTool(env, 'let it migrate: the service applies pending migrations when it starts');
  try {
    if (args.includes('--revert')) await db.dataSource.undoLastMigration({ transaction: 'each' });
    else await db.migrate();
    const applied = (await db.read((m) => m.query('SELECT name FROM migrations ORDER BY id'))) as { name: string }[];
    return applied.map((r) => r.name);
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  runTool(async () => {
    const applied = await migrate(process.argv.slice(2));
    process.stdout.write(`migrations applied: ${applied.join(', ') || 'none'}\n`);
  });
}
