import pino from 'pino';
import { ConfigError, loadConfig, type Config } from '../config';
import { openDatabase, type Database } from '../db/database';
import { DataDirLockedError } from '../db/data-dir-lock';
import type { JobQueue } from '../jobs/catalogue';
import { entities } from '../entities';
import { openAdapters } from '../runtime';

/** The tool can't run now and has written nothing: said plainly, exit code 75 (EX_TEMPFAIL). */
export class Refusal extends Error {}

/**
 * The configuration and the adapters for a command-line tool, which neither consumes jobs nor
 * listens. On PostgreSQL it works beside a running service. On the embedded database the
 * running service owns DATA_DIR: the tool refuses, naming the service's pid and what to do
 * instead (`alternative`), before it has read or written anything.
 */
export async function openForTool(env: NodeJS.ProcessEnv, alternative: string): Promise<{ config: Config; db: Database; jobs: JobQueue; log: pino.Logger }> {
  const config = { ...loadConfig(env), WORKER_IN_PROCESS: false, workerInProcess: false };
  const log = pino({ level: 'warn' });
  const { db, jobs } = await refuseWhileServed(() => openAdapters(config, log), alternative);
  return { config, db, jobs, log };
}

/** The database alone, for a tool that needs no services. */
export async function openDatabaseForTool(env: NodeJS.ProcessEnv, alternative: string): Promise<Database> {
  const config = loadConfig(env);
  return refuseWhileServed(() => openDatabase(config, entities), alternative);
}

async function refuseWhileServed<T>(open: () => Promise<T>, alternative: string): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new Refusal(`the service is running (pid ${err.owner.pid}) on the embedded database in ${err.dataDir}; nothing was written. Stop it, or ${alternative}`);
    }
    throw err;
  }
}

/** Runs a tool's main and turns its failure into a message on stderr and an exit code. */
export function runTool(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 78 : err instanceof Refusal ? 75 : 1);
  });
}
