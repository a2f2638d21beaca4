import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import { loadConfig } from '../config';
import { DirectoryFile } from '../modules/directory/directory.schemas';
import type { UnitInput } from '../modules/directory/directory.service';
import { createServices, openAdapters } from '../runtime';
import reference from '../modules/directory/data/reference-district.json';

/** Loads a directory file (default: the reference district) by unit code: `npm run directory:load [-- file.json]`. */
async function main(): Promise<void> {
  const file = process.argv[2];
  const data: unknown = file ? JSON.parse(readFileSync(file, 'utf8')) : reference;
  const errors = [...Value.Errors(DirectoryFile, data)];
  if (errors.length) throw new Error(`${file}: ${errors.slice(0, 5).map((e) => `${e.path} ${e.message}`).join('; ')}`);
  const config = { ...loadConfig(), WORKER_IN_PROCESS: false, workerInProcess: false };
  const log = pino({ level: 'warn' });
  const { db, jobs } = await openAdapters(config, log);
  try {
    await db.migrate();
    const result = await createServices(config, db, jobs, log).directory.load((data as { units: UnitInput[] }).units);
    process.stdout.write(`units created: ${result.created}, updated: ${result.updated}\n`);
  } finally {
    await jobs.close();
    await db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
