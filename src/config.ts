import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Every setting the service reads from its environment, with its unit.
 * A bad value stops start-up with a message naming the variable.
 */
const ConfigSchema = Type.Object({
  /** PostgreSQL connection string; absent: embedded PGlite under DATA_DIR. */
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** Redis connection string; absent: jobs run in-process. */
  REDIS_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** Prefix of every Redis key (queues, rate limits), so deployments can share a Redis. */
  REDIS_PREFIX: Type.String({ default: 'hotline' }),
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  /** Where the embedded database keeps its files. */
  DATA_DIR: Type.String({ default: './data' }),
  /** Bootstrap administrator token (at least 24 characters); lets an operator create the first tokens. */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 24 })),
  /** The bureau's time zone (IANA name): deadlines, months and working days are counted in it. */
  TZ_BUREAU: Type.String({ default: 'Asia/Shanghai' }),
  /** The bureau's working hours (HH:mm): "N working days" ends at close of business; urges go out at opening. */
  WORKING_HOURS_OPEN: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', default: '08:30' }),
  WORKING_HOURS_CLOSE: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', default: '17:30' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /**
   * Where request counts are kept: 'memory' (each process counts its own, so N processes allow N times the limit;
   * no round trip per request) or 'redis' (one count across processes; needs REDIS_URL).
   */
  RATE_LIMIT_STORE: Type.Union([Type.Literal('memory'), Type.Literal('redis')], { default: 'memory' }),
  /** Requests per RATE_LIMIT_WINDOW_MS per token (or per address when anonymous). */
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 1200 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000 }),
  /** Largest request body accepted, in bytes. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 256 * 1024 }),
  /** How long a process trusts a token it has checked, in milliseconds: a revocation reaches other processes within this. */
  AUTH_CACHE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  /** How long a browser stays signed in through /login, in hours. */
  SESSION_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 30, default: 12 }),
  /** Size of the PostgreSQL connection pool of one process. */
  DB_POOL_SIZE: Type.Integer({ minimum: 1, default: 20 }),
  /** Whether this process also consumes jobs; defaults to true without Redis, false with it (run worker.js). */
  WORKER_IN_PROCESS: Type.Optional(Type.Boolean()),
  /** How often the job sweep re-derives due work from the database, in milliseconds. */
  SWEEP_INTERVAL_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  /** Webhook delivery: attempts before a delivery is marked failed, and first back-off in milliseconds. */
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, default: 8 }),
  WEBHOOK_BACKOFF_MS: Type.Integer({ minimum: 10, default: 5_000 }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5_000 }),
  /** How long graceful shutdown waits for in-flight requests and jobs, in milliseconds. */
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  /**
   * Key of the keyed hashes (HMAC-SHA256) under which callers' phones are indexed for look-up, at least 32 characters.
   * Unset: a random key the search migration stored in the database. Changing it needs the orders re-indexed.
   */
  SEARCH_HASH_KEY: Type.Optional(Type.String({ minLength: 32 })),
  /** Demo mode: loads the reference district and the demo tokens listed in the README. */
  DEMO: Type.Boolean({ default: false }),
});

export type Config = Static<typeof ConfigSchema> & { workerInProcess: boolean };

export class ConfigError extends Error {}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw));
  const errors = [...Value.Errors(ConfigSchema, converted)];
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.path.slice(1) || '(config)'}: ${e.message} (got ${JSON.stringify(e.value)})`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = converted as Static<typeof ConfigSchema>;
  if (config.RATE_LIMIT_STORE === 'redis' && !config.REDIS_URL) throw new ConfigError('RATE_LIMIT_STORE: redis needs REDIS_URL');
  if (!isValidTimeZone(config.TZ_BUREAU)) throw new ConfigError(`TZ_BUREAU: unknown time zone ${config.TZ_BUREAU}`);
  return { ...config, workerInProcess: config.WORKER_IN_PROCESS ?? !config.REDIS_URL };
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
