import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { logOptions } from './logging';
import { buildApp, loggerOptions } from './app';
import { ConfigError, loadConfig } from './config';
import { seedDemo, seedDemoHistory } from './demo';
import { adoptBureauTimeZone, openAdapters } from './runtime';

/** Runs migrations, then serves the API; `--demo` (or DEMO=true) loads the demo data. */
async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, ...(process.argv.includes('--demo') ? { DEMO: 'true' } : {}) });
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
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
