import { ConfigError, loadConfig } from '../src/config';

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
    [{ PORT: 'eighty' }, 'PORT'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ TZ_BUREAU: 'Mars/Olympus' }, 'TZ_BUREAU'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('a bad setting stops start-up naming the variable: %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
