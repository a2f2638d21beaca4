import { ConfigError, loadConfig } from './config';

/** A job worker: consumes the bull queue and runs the sweep. Needs REDIS_URL; start as many as you like. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.REDIS_URL) throw new ConfigError('REDIS_URL: a separate worker needs Redis; on the embedded default the API runs the jobs itself');
  if (!config.DATABASE_URL) throw new ConfigError('DATABASE_URL: a separate worker needs PostgreSQL; the embedded database belongs to the one API process');
  // Loaded once the configuration has passed, so that a bad setting is reported at once.
  const [{ default: closeWithGrace }, { default: pino }, { logOptions }, { adoptBureauTimeZone, createServices, openAdapters, startJobs }] = await Promise.all([
    import('close-with-grace'),
    import('pino'),
    import('./logging'),
    import('./runtime'),
  ]);
  const log = pino(logOptions(config.LOG_LEVEL));
  const { db, jobs } = await openAdapters(config, log);
  await db.migrate();
  const services = createServices(config, db, jobs, log);
  await adoptBureauTimeZone(services, log);
  await services.deadlines.seed();
  const stop = startJobs(services, config, log);
  log.info({ jobs: jobs.kind }, 'worker ready');
  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'worker closing after an error');
    else log.info({ signal }, 'worker closing');
    await stop();
    await jobs.close();
    await db.close();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 78 : 1);
});
