import { ConfigError, loadConfig, howToGetIn } from './config';

/**
 * Runs migrations, then serves the API; `--demo` (or DEMO=true) loads the demo data.
 * The configuration is checked before anything heavy is loaded (the application, TypeORM,
 * PGlite), so a bad setting is reported at once.
 */
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, ...(process.argv.includes('--demo') ? { DEMO: 'true' } : {}) });
  const [{ default: closeWithGrace }, { default: pino }, { logOptions }, { buildApp, loggerOptions }, { seedDemo, seedDemoHistory }, { adoptBureauTimeZone, openAdapters }] = await Promise.all([
    import('close-with-grace'),
    import('pino'),
    import('./logging'),
    import('./app'),
    import('./demo'),
    import('./runtime'),
  ]);
  const log = pino(logOptions(config.LOG_LEVEL));
  const adapters = await openAdapters(config, log);
  await adapters.db.migrate();
  const app = await buildApp(config, adapters, { logger: loggerOptions(config.LOG_LEVEL) });
  await adoptBureauTimeZone(app.services, app.log);
  await app.services.deadlines.seed();
  if (config.DEMO) {
    await seedDemo(app.services, app.log);
    await seedDemoHistory(config, app.services, app.log);
  }
  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error');
    else app.log.info({ signal }, 'closing');
    await app.close();
  });
  await app.listen({ host: config.HOST, port: config.PORT });
  app.log.info({ storage: adapters.db.embedded ? 'pglite' : 'postgresql', jobs: adapters.jobs.kind, demo: config.DEMO }, 'hotline service ready');
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
