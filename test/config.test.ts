import { spawnSync } from 'node:child_process';
import { ConfigError, howToGetIn, loadConfig } from '../src/config';

/** The message loadConfig throws for `env`. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('configuration', () => {
  test('defaults: embedded storage, in-process jobs, Shanghai time', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, DATA_DIR: './data', TZ_BUREAU: 'Asia/Shanghai', workerInProcess: true });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  test('with Redis the API leaves jobs to worker processes unless told otherwise', () => {
    expect(loadConfig({ REDIS_URL: 'redis://x' }).workerInProcess).toBe(false);
    expect(loadConfig({ REDIS_URL: 'redis://x', WORKER_IN_PROCESS: 'true' }).workerInProcess).toBe(true);
  });

  test.each([
    [{ PORT: 'eighty' }, 'PORT: must be a whole number from 0 to 65535 (got "eighty")'],
    [{ TZ_BUREAU: 'Mars/Olympus' }, 'TZ_BUREAU: not a known IANA time zone'],
    [{ WORKING_HOURS_OPEN: '8h' }, 'WORKING_HOURS_OPEN: must be a time of day as HH:mm'],
    [{ DEMO: 'maybe' }, 'DEMO: must be true or false'],
    [{ RATE_LIMIT_STORE: 'redis' }, 'RATE_LIMIT_STORE: redis needs REDIS_URL'],
  ])('a bad setting stops start-up naming the variable and what it must be: %j', (env, message) => {
    expect(refusal(env)).toContain(message);
  });

  test('DATABASE_URL that is not a PostgreSQL URL is refused at once, naming the variable, without showing it', () => {
    for (const value of ['notaurl', 'localhost:5432/hotline', 'mysql://hotline:pa55word@db/hotline', 'postgres://']) {
      const message = refusal({ DATABASE_URL: value });
      expect(message).toContain('DATABASE_URL:');
      expect(message).toContain('postgres://user:password@host:5432/database');
      if (value !== 'postgres://') expect(message).not.toContain(value);
      expect(message).not.toContain('pa55word');
    }
    expect(loadConfig({ DATABASE_URL: 'postgresql://hotline@127.0.0.1:5432/hotline' }).DATABASE_URL).toBeDefined();
    expect(loadConfig({ DATABASE_URL: 'postgres:///hotline?host=/run/postgresql' }).DATABASE_URL).toBeDefined();
  });

  test('REDIS_URL is checked the same way', () => {
    const message = refusal({ REDIS_URL: 'cache:6379' });
    expect(message).toContain('REDIS_URL: not a redis or rediss URL');
    expect(message).not.toContain('cache:6379');
  });

  test('a too-short ADMIN_TOKEN is refused without printing it', () => {
    const message = refusal({ ADMIN_TOKEN: 'hunter2-secret' });
    expect(message).toContain('ADMIN_TOKEN: must be at least 24 characters long (got 14 characters, not shown)');
    expect(message).not.toContain('hunter2');
  });

  test('LOG_LEVEL lists the allowed values', () => {
    expect(refusal({ LOG_LEVEL: 'verbose' })).toContain('LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")');
  });

  test('every bad variable is named in one message, each once', () => {
    const message = refusal({ PORT: '-1', LOG_LEVEL: 'loud', ADMIN_TOKEN: 'x' });
    expect(message.match(/PORT:/g)).toHaveLength(1);
    expect(message).toContain('LOG_LEVEL:');
    expect(message).toContain('ADMIN_TOKEN:');
  });

  test('without ADMIN_TOKEN, demo data or an administrator token, the service says how to get in', () => {
    const embedded = howToGetIn(loadConfig({}), 0);
    expect(embedded).toContain('set ADMIN_TOKEN');
    expect(embedded).toContain('stop the service and run `npm run token:create -- --name NAME --role admin`');
    expect(howToGetIn(loadConfig({ DATABASE_URL: 'postgres://h/db' }), 0)).toContain('run `npm run token:create -- --name NAME --role admin`');
    expect(howToGetIn(loadConfig({}), 1)).toBeUndefined();
    expect(howToGetIn(loadConfig({ DEMO: 'true' }), 0)).toBeUndefined();
    expect(howToGetIn(loadConfig({ ADMIN_TOKEN: 'a'.repeat(24) }), 0)).toBeUndefined();
  });

  test('the server entry with a bad setting exits at once with the message, before loading the application', () => {
    const run = spawnSync(process.execPath, ['-r', './test/support/register-ts.js', 'src/server.ts', '--demo'], {
      env: { PATH: process.env.PATH, DATABASE_URL: 'notaurl', ADMIN_TOKEN: 'short-secret', LOADED_PACKAGES_TO_STDERR: '1' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('DATABASE_URL: not a URL');
    expect(run.stderr).toContain('ADMIN_TOKEN: must be at least 24 characters long');
    expect(run.stderr).not.toContain('short-secret');
    // Refused before the application, TypeORM and PGlite were loaded: that is what makes it immediate.
    const loaded = run.stderr.split('loaded packages:')[1];
    expect(loaded).toBeDefined();
    for (const heavy of ['fastify', 'typeorm', '@electric-sql/pglite', 'pg']) expect(loaded.split(/\s+/)).not.toContain(heavy);
  });
});
