import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { DirectoryFile } from '../modules/directory/directory.schemas';
import type { UnitInput } from '../modules/directory/directory.service';
import { createServices } from '../runtime';
import reference from '../modules/directory/data/reference-district.json';
import { openForTool, runTool } from './support';

/** Loads a directory file (default: the reference district) by unit code: `npm run directory:load [-- file.json]`. */
export async function loadDirectory(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ created: number; updated: number }> {
  const data: unknown = file ? JSON.parse(readFileSync(file, 'utf8')) : reference;
  const errors = [...Value.Errors(DirectoryFile, data)];
  if (errors.length) throw new Error(`${file}: ${errors.slice(0, 5).map((e) => `${e.path} ${e.message}`).join('; ')}`);
  const { config, db, jobs, log } = await openForTool(env, 'load the file through the running service: PUT /api/v1/units with an admin token');
  try {
    await db.migrate();
    return await createServices(config, db, jobs, log).directory.load((data as { units: UnitInput[] }).units);
  } finally {
    await jobs.close();
    await db.close();
  }
}

if (require.main === module) {
  runTool(async () => {
    const result = await loadDirectory(process.argv[2]);
    process.stdout.write(`units created: ${result.created}, updated: ${result.updated}\n`);
  });
}
