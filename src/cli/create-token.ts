import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../modules/auth/principal.entity';
import type { PrincipalView } from '../modules/auth/principal.schemas';
import { createServices } from '../runtime';
import { openForTool, runTool } from './support';

/** Creates an API token: `npm run token:create -- --name 张三 --role unit --unit CQ-PS-WENCHANG`. Prints the token once. */
export async function createToken(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<PrincipalView & { token: string }> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' }, role: { type: 'string' }, unit: { type: 'string' } } });
  if (!values.name || !values.role || !ROLES.includes(values.role as Role)) {
    throw new Error(`usage: --name NAME --role ${ROLES.join('|')} [--unit UNIT_CODE]`);
  }
  const { config, db, jobs, log } = await openForTool(env, 'create the token through the running service: POST /api/v1/principals with an admin token');
  try {
    await db.migrate();
    const { principal, token } = await createServices(config, db, jobs, log).principals.create({ name: values.name, role: values.role as Role, unitCode: values.unit });
    return { ...principal, token };
  } finally {
    await jobs.close();
    await db.close();
  }
}

if (require.main === module) {
  runTool(async () => {
    process.stdout.write(`${JSON.stringify(await createToken(process.argv.slice(2)))}\n`);
  });
}
