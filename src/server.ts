import { ConfigError, loadConfig, howToGetIn } from './config';

/**
 * Runs migrations, then serves the API; `--demo` (or DEMO=true) loads the demo data.
 * The configuration is checked before anything heavy is loaded (the application, TypeORM,
 * PGlite), so a bad setting is reported at once.
 */
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, ...(process.argv.includes('--demo') ? { DEMO: 'true' } : {}) });
  const [{ default: closeWithGrace }, { default: pino }, { logOptions }, { adoptBureauTimeZone, openAdapters }] = await Promise.all([
    import('close-with-grace'),
    import('pino'),
    import('./logging'),
    import('./runtime'),
  ]);
  const log = pino(logOptions(config.LOG_LEVEL));
  // The database opens (PGlite compiles its WebAssembly) while the HTTP side loads.
  const opening = openAdapters(config, log);
  opening.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
  const [{ buildApp, loggerOptions }, { seedDemo, seedDemoHistory }, { COMPILED_SCHEMAS_DIR }] = await Promise.all([
    import('./app'),
    import('./demo'),
    import('./plugins/compiled-schemas'),
  ]);
  // Where start-up time goes: milliseconds since the process started, and CPU milliseconds used
  // by then (steadier than wall time on a shared machine); logged when ready.
  const phases: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  const mark = (phase: string) => {
    phases[phase] = Math.round(process.uptime() * 1000);
    const used = process.cpuUsage();
    cpu[phase] = Math.round((used.user + used.system) / 1000);
  };
  mark('loaded');
  const adapters = await opening;
  mark('opened');
  await adapters.db.migrate();
  mark('migrated');
  const schemas = { loaded: 0, compiled: 0 };
  const app = await buildApp(config, adapters, {
    logger: loggerOptions(config.LOG_LEVEL),
    compiledSchemas: { dir: COMPILED_SCHEMAS_DIR, mode: 'read', stats: schemas },
  });
  await adoptBureauTimeZone(app.services, app.log);
  mark('built');
  await app.services.deadlines.seed();
  mark('seeded');
  if (config.DEMO) {
    // Several API processes may start at once on PostgreSQL: one loads the demo, the others find it loaded.
    await adapters.db.exclusively('demo', () => seedDemo(app.services, app.log));
    mark('demo');
  }
  let closing = false;
  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    closing = true;
    if (err) app.log.error({ err }, 'closing after an error');
    else app.log.info({ signal }, 'closing');
    await app.close();
  });
  await app.listen({ host: config.HOST, port: config.PORT });
  mark('listening');
  if (config.DEMO) {
    // Last month's history (52 orders through their whole life, on the first start only) takes
    // longer than all the rest of start-up: the service serves meanwhile, and the commanders'
    // ranking fills in when the log says 'demo history of last month ready'.
    adapters.db.exclusively('demo', () => seedDemoHistory(config, app.services, app.log)).catch((err: unknown) => {
      if (closing) app.log.info('demo history interrupted by the shutdown');
      else app.log.error({ err }, 'demo history failed');
    });
  }
  app.log.info({ storage: adapters.db.embedded ? 'pglite' : 'postgresql', jobs: adapters.jobs.kind, demo: config.DEMO, startup: phases, startupCpu: cpu, schemas }, 'hotline service ready');
  const admins = (await app.services.principals.list()).filter((p) => p.role === 'admin' && !p.revokedAt).length;
  const hint = howToGetIn(config, admins);
  if (hint) app.log.warn({ hint }, 'nobody can sign in yet');
}

main().catch(async (err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  const { DataDirLockedError } = await import('./db/data-dir-lock');
  if (err instanceof DataDirLockedError) {
    process.stderr.write(`cannot start: ${err.message}\n`);
    process.exit(75);
  }
  process.stderr.write(`failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
