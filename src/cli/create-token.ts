import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../config';
import { ROLES, type Role } from '../modules/auth/principal.entity';
import { createServices, openAdapters } from '../runtime';

/** Creates an API token: `npm run token:create -- --name 张三 --role unit --unit CQ-PS-WENCHANG`. Prints the token once. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { name: { type: 'string' }, role: { type: 'string' }, unit: { type: 'string' } } });
  if (!values.name || !values.role || !ROLES.includes(values.role as Role)) {
    throw new Error(`usage: --name NAME --role ${ROLES.join('|')} [--unit UNIT_CODE]`);
  }
  const config = { ...loadConfig(), WORKER_IN_PROCESS: false, workerInProcess: false };
  const log = pino({ level: 'warn' });
  const { db, jobs } = await openAdapters(config, log);
  try {
    await db.migrate();
    const { principal, token } = await createServices(config, db, jobs, log).principals.create({ name: values.name, role: values.role as Role, unitCode: values.unit });
    process.stdout.write(`${JSON.stringify({ ...principal, token })}\n`);
  } finally {
    await jobs.close();
    await db.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
