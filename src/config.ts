import { Type, type Static } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';

/**
 * Every setting the service reads from its environment, with its unit.
 * A bad value stops start-up with a message naming the variable.
 */
const ConfigSchema = Type.Object({
  /** PostgreSQL connection string (postgres://user:password@host:5432/database); absent: embedded PGlite under DATA_DIR. */
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** Redis connection string (redis://host:6379); absent: jobs run in-process. */
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
  WORKING_HOURS_OPEN: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', expected: 'a time of day as HH:mm', default: '08:30' }),
  WORKING_HOURS_CLOSE: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', expected: 'a time of day as HH:mm', default: '17:30' }),
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
  /** scrypt cost (N, a power of two) of new password hashes; r=8, p=3. 32768 uses 32 MiB per hash. Lower it only for tests. */
  PASSWORD_SCRYPT_N: Type.Integer({ minimum: 1024, maximum: 1048576, multipleOf: 1024, default: 32768 }),
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
  /** Intake refuses a receivedAt more than this many minutes ahead of the service's clock (the platform's clock skew). */
  INTAKE_MAX_SKEW_MINUTES: Type.Integer({ minimum: 0, maximum: 1440, default: 10 }),
  /** Intake refuses a receivedAt more than this many days in the past (and any before 2000). */
  INTAKE_MAX_AGE_DAYS: Type.Integer({ minimum: 1, maximum: 36_600, default: 3660 }),
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

/** Settings whose values are never shown in a message: a token, and URLs that may carry a password. */
const SECRETS = new Set(['ADMIN_TOKEN', 'DATABASE_URL', 'REDIS_URL']);

/** Reads and validates the configuration; throws ConfigError naming every bad variable, with no secret in it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw));
  const problems = new Map<string, string>();
  for (const error of Value.Errors(ConfigSchema, converted)) {
    const name = error.path.slice(1) || '(config)';
    if (!problems.has(name)) problems.set(name, `${name}: ${rule(error)} ${shown(name, raw[name])}`);
  }
  const config = converted as Static<typeof ConfigSchema>;
  const url = (name: 'DATABASE_URL' | 'REDIS_URL', protocols: string[], example: string) => {
    const value = config[name];
    if (value === undefined || problems.has(name)) return;
    const problem = urlProblem(value, protocols);
    if (problem) problems.set(name, `${name}: ${problem}; expected a URL such as ${example} ${shown(name, value)}`);
  };
  url('DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database');
  url('REDIS_URL', ['redis:', 'rediss:'], 'redis://host:6379');
  if (!problems.has('TZ_BUREAU') && !isValidTimeZone(config.TZ_BUREAU)) problems.set('TZ_BUREAU', `TZ_BUREAU: not a known IANA time zone such as Asia/Shanghai ${shown('TZ_BUREAU', config.TZ_BUREAU)}`);
  if (config.RATE_LIMIT_STORE === 'redis' && !config.REDIS_URL) problems.set('RATE_LIMIT_STORE', 'RATE_LIMIT_STORE: redis needs REDIS_URL');
  if ((config.PASSWORD_SCRYPT_N & (config.PASSWORD_SCRYPT_N - 1)) !== 0) problems.set('PASSWORD_SCRYPT_N', `PASSWORD_SCRYPT_N: must be a power of two ${shown('PASSWORD_SCRYPT_N', String(config.PASSWORD_SCRYPT_N))}`);
  if (problems.size > 0) throw new ConfigError(`invalid configuration:\n  ${[...problems.values()].join('\n  ')}`);
  return { ...config, workerInProcess: config.WORKER_IN_PROCESS ?? !config.REDIS_URL };
}

/** What a setting must be, in words an operator can act on. */
function rule(error: ValueError): string {
  const schema = error.schema as { anyOf?: { const?: unknown }[]; type?: string; minLength?: number; minimum?: number; maximum?: number; expected?: string };
  if (schema.anyOf?.every((s) => s.const !== undefined)) return `must be one of ${schema.anyOf.map((s) => s.const).join(', ')}`;
  if (schema.expected) return `must be ${schema.expected}`;
  if (schema.type === 'string' && schema.minLength !== undefined) return `must be at least ${schema.minLength} characters long`;
  if (schema.type === 'integer') {
    const bounds = schema.maximum !== undefined ? ` from ${schema.minimum ?? 0} to ${schema.maximum}` : schema.minimum !== undefined ? ` of at least ${schema.minimum}` : '';
    return `must be a whole number${bounds}`;
  }
  if (schema.type === 'boolean') return 'must be true or false';
  return error.message;
}

/** The value as given, or for a secret only its length. */
function shown(name: string, value: unknown): string {
  if (value === undefined) return '';
  if (SECRETS.has(name)) return `(got ${String(value).length} characters, not shown)`;
  return `(got ${JSON.stringify(value)})`;
}

function urlProblem(value: string, protocols: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (!protocols.includes(url.protocol)) return `not a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL`;
  // postgres:///db?host=/run/postgresql (a Unix socket) has no host name in the URL itself.
  if (!url.hostname && !url.searchParams.has('host')) return 'no host';
  return undefined;
}

/**
 * How to get in, when nobody can: no ADMIN_TOKEN, no demo tokens and no administrator's token in
 * the database. Undefined when someone can.
 */
export function howToGetIn(config: Pick<Config, 'ADMIN_TOKEN' | 'DEMO' | 'DATABASE_URL'>, activeAdmins: number): string | undefined {
  if (config.ADMIN_TOKEN || config.DEMO || activeAdmins > 0) return undefined;
  const tool = config.DATABASE_URL
    ? 'run `npm run token:create -- --name NAME --role admin`'
    : 'stop the service and run `npm run token:create -- --name NAME --role admin` (the embedded database belongs to one process at a time)';
  return `there is no administrator token yet: set ADMIN_TOKEN (24 characters or more) and restart, or ${tool}; then create the other tokens with POST /api/v1/principals`;
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
