import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import supertest from 'supertest';
import { buildApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/database';
import { entities } from '../../src/entities';
import { BullQueue } from '../../src/jobs/bull-queue';
import type { JobQueue } from '../../src/jobs/catalogue';
import { InProcessQueue } from '../../src/jobs/in-process-queue';
import type { Role } from '../../src/modules/auth/principal.entity';
import reference from '../../src/modules/directory/data/reference-district.json';
import type { UnitInput } from '../../src/modules/directory/directory.service';
import pino from 'pino';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** What `npm ci` (prepare) compiled: dist/compiled-schemas. */
export const BUILT_SCHEMAS = path.resolve(__dirname, '../../dist/compiled-schemas');

/** On PostgreSQL + Redis when DATABASE_URL is set (CI's first pass), else on in-memory PGlite with in-process jobs. */
export const storage = process.env.DATABASE_URL ? 'postgresql' : 'pglite';

export interface TestApp {
  app: FastifyInstance;
  http: ReturnType<typeof supertest>;
  db: Database;
  jobs: JobQueue;
  config: Config;
  /** The clock every rule reads: tests move it with `clock.set(...)`. */
  clock: TestClock;
  /** Empties every table and loads the reference directory. */
  reset(): Promise<void>;
  token(role: Role, unitCode?: string): Promise<string>;
  close(): Promise<void>;
}

/** A clock that stands still where a test puts it, or follows the real one. */
export class TestClock {
  private fixed: Date | null = null;
  readonly now = () => this.fixed ?? new Date();
  set(instant: Date | string): void {
    this.fixed = new Date(instant);
  }
  real(): void {
    this.fixed = null;
  }
}

/** One app per test file (PGlite takes seconds to start); call reset() before each test. */
export async function startTestApp(overrides: Record<string, string> = {}, logger: FastifyServerOptions['logger'] = false): Promise<TestApp> {
  const clock = new TestClock();
  const config = loadConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_PREFIX: `test-${randomUUID().slice(0, 8)}`,
    ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '100000',
    SWEEP_INTERVAL_MS: '3600000',
    WORKER_IN_PROCESS: 'true',
    WEBHOOK_BACKOFF_MS: '10',
    // Cheap password hashes in tests; the production cost is the default.
    PASSWORD_SCRYPT_N: '1024',
    ...overrides,
  });
  const log = pino({ level: 'silent' });
  const db = await openDatabase(config, entities, { inMemory: true });
  await db.migrate();
  const jobs: JobQueue = config.REDIS_URL ? new BullQueue(config.REDIS_URL, config.REDIS_PREFIX, log) : new InProcessQueue(log);
  // The tests run on the route schemas `npm ci` compiled ahead of time, as `npm start` does
  // (a schema edited since the build has no compiled file and is compiled here).
  const app = await buildApp(config, { db, jobs }, { logger, clock: clock.now, compiledSchemas: { dir: BUILT_SCHEMAS, mode: 'read' } });
  await app.ready();
  await app.services.assessment.adoptTimeZone();
  const http = supertest(app.server);
  const t: TestApp = {
    app,
    http,
    db,
    jobs,
    config,
    clock,
    async reset() {
      clock.real();
      // Jobs of the previous test (routing, deadline checks) must not hold locks the truncation needs.
      for (let attempt = 0; ; attempt++) {
        await jobs.settled();
        try {
          await db.write((m) =>
            m.query(`TRUNCATE unit_month_tallies, callback_attempts, callbacks, exemptions, noise_source_checks, noise_sources, routing_decisions, routing_examples, routing_training_runs, routing_models, routing_knowledge, webhook_deliveries, work_order_events, urges, work_order_milestones, supervision_triggers, supervision_slip_notes,
                     supervision_slip_orders, supervision_slips, slip_counters, work_orders, sessions, sign_ins, accounts, principals, units, settings, calendar_days, deadline_policies CASCADE`),
          );
          break;
        } catch (err) {
          if (attempt >= 5 || !/deadlock/.test(String(err))) throw err;
        }
      }
      await app.services.directory.load(reference.units as UnitInput[]);
      await app.services.deadlines.seed();
      // Orders stay where tests put them unless a test turns automatic dispatch on.
      await app.services.settings.set({ id: null, name: 'test', role: 'admin', unitId: null }, 'routing.autoDispatchThreshold', 1.01);
    },
    async token(role, unitCode) {
      const { token } = await app.services.principals.create({ name: `${role}-${unitCode ?? 'x'}-${randomUUID().slice(0, 6)}`, role, unitCode });
      return token;
    },
    async close() {
      if (jobs instanceof BullQueue) await jobs.obliterate().catch(() => undefined);
      await app.close();
    },
  };
  return t;
}

export interface TestAppOptions<R extends Role> {
  /** Config overrides, as environment variables (`{ BODY_LIMIT_BYTES: '4096' }`). */
  config?: Record<string, string>;
  /** Roles that get a fresh token before each test, in `tokens`. */
  roles?: readonly R[];
  /** Unit codes whose staff get a fresh token before each test, in `units`. */
  units?: readonly string[];
  /** Settings an administrator puts through the settings API before each test. */
  settings?: Record<string, unknown>;
  /** The app's logger (default: none), for tests that read what it logs. */
  logger?: FastifyServerOptions['logger'];
}

/**
 * The hooks of a test file on the app: one app for the file, reset before each test, then the tokens and settings asked for.
 * The hooks fill in what it returns, so read it in tests and hooks, not at the top level of the file.
 */
export function useTestApp<R extends Role = never>(options: TestAppOptions<R> = {}) {
  // One object for the whole file: the closures of the tests hold it from the start.
  const t = {} as TestApp;
  const tokens = {} as Record<R, string>;
  const units: Record<string, string> = {};
  beforeAll(async () => {
    Object.assign(t, await startTestApp(options.config, options.logger));
  });
  afterAll(async () => t.close());
  beforeEach(async () => {
    await t.reset();
    for (const role of options.roles ?? []) tokens[role] = await t.token(role);
    for (const code of options.units ?? []) units[code] = await t.token('unit', code);
    const settings = Object.entries(options.settings ?? {});
    if (settings.length === 0) return;
    const admin = (tokens as Partial<Record<Role, string>>).admin ?? (await t.token('admin'));
    for (const [key, value] of settings) await t.http.put(`/api/v1/settings/${key}`).set(bearer(admin)).send({ value }).expect(200);
  });
  return { t, tokens, units };
}

let counter = 0;

/** A valid intake body with random defaults. */
export function intakeBody(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    externalNo: `T${Date.now()}-${counter}-${randomUUID().slice(0, 6)}`,
    source: 'phone',
    receivedAt: new Date().toISOString(),
    requestType: 'complaint',
    urgency: 'normal',
    // A caller and a place of its own, so that orders of unrelated tests are not repeats of one another.
    citizen: { name: '李四', phone: `139${String(counter).padStart(8, '0')}` },
    content: '小区楼下烧烤摊深夜噪音扰民,多次反映未解决。',
    address: `长清区文昌街道清河街${counter}号院`,
    ...overrides,
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
