import 'reflect-metadata';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import type { Config } from '../config';
import { migrations } from '../../migrations';
import { lockDataDir } from './data-dir-lock';
import { copyTemplate } from './pglite-template';

/**
 * The storage seam. Domain code runs its work through `read` and `write`;
 * only this file knows whether PostgreSQL or the embedded PGlite is underneath.
 *
 * PGlite is one connection shared by the whole process (typeorm-pglite keeps a
 * single instance), so two interleaved transactions would see and undo each
 * other's statements. On PGlite every unit of work therefore takes a turn on a
 * queue; on PostgreSQL each takes its own pooled connection.
 */
/** Advisory lock keys ("12345" on a phone keypad, then a number): held while migrating, while loading the demo. */
const LOCKS = { migrations: 12345_0001, demo: 12345_0002 } as const;
/** How often a process waiting for another's lock asks for it again. */
const LOCK_RETRY_MS = 200;

export class Database {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dataSource: DataSource,
    readonly embedded: boolean,
    private readonly release: () => void = () => {},
  ) {}

  /** Runs `work` inside one transaction: all of it is written or none. */
  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.serialised(() => this.dataSource.transaction((manager) => work(manager)));
  }

  /** Runs `work` outside a transaction (plain reads). */
  read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.serialised(() => work(this.dataSource.manager));
  }

  /**
   * One statement, in its own transaction, straight on the driver's pool: for the hot
   * paths (intake, readiness) where TypeORM's query runner would double the cost.
   * `prepared`: on PostgreSQL, a named statement that each pooled connection parses and plans
   * once (the rules of `readRows` apply).
   */
  async statement<T = Record<string, unknown>>(sql: string, params: unknown[] = [], options: { prepared?: boolean } = {}): Promise<T[]> {
    if (this.embedded) return this.read((m) => m.query(sql, params) as Promise<T[]>);
    return poolQuery<T>(this.dataSource, sql, params, options.prepared ?? false);
  }

  async ping(): Promise<void> {
    await this.statement('SELECT 1');
  }

  /** Applies pending migrations, one process at a time (see `exclusively`). */
  async migrate(): Promise<void> {
    await this.exclusively('migrations', () => this.serialised(() => this.dataSource.runMigrations({ transaction: 'each' })));
  }

  /**
   * Runs `work` while no other process runs work under the same name: on PostgreSQL several API
   * and worker processes may start at once, and a session advisory lock lets one migrate (or
   * load the demo) while the others wait. The embedded database belongs to one process.
   *
   * They wait by asking again, not in `pg_advisory_lock`: a statement blocked there holds a
   * snapshot, and a migration that builds an index CONCURRENTLY waits for every older snapshot
   * to go, so the one migrating would wait for the ones waiting for it, for ever.
   */
  async exclusively<T>(name: keyof typeof LOCKS, work: () => Promise<T>): Promise<T> {
    if (this.embedded) return work();
    const lock = this.dataSource.createQueryRunner();
    try {
      while (!((await lock.query('SELECT pg_try_advisory_lock($1) AS locked', [LOCKS[name]])) as { locked: boolean }[])[0].locked) {
        await sleep(LOCK_RETRY_MS);
      }
      return await work();
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [LOCKS[name]]).catch(() => undefined);
      await lock.release();
    }
  }

  async close(): Promise<void> {
    try {
      if (this.dataSource.isInitialized) await this.serialised(() => this.dataSource.destroy());
    } finally {
      this.release();
    }
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    if (!this.embedded) return work();
    const result = this.turn.then(work, work);
    this.turn = result.catch(() => undefined);
    return result;
  }
}

/**
 * Opens PostgreSQL at DATABASE_URL, or else the embedded PGlite under DATA_DIR (locked to this
 * process: a second process is refused with DataDirLockedError) or in memory. The entities
 * come from the composition root, which knows the feature modules; this module doesn't.
 */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DB_POOL_SIZE'>,
  entities: NonNullable<DataSourceOptions['entities']>,
  options: { inMemory?: boolean } = {},
): Promise<Database> {
  const common = {
    type: 'postgres' as const,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto' as const,
  };
  if (config.DATABASE_URL) {
    // Waiting for a connection (a new one, or a free one of the pool) ends after 10 s: an
    // unreachable server is then a 503 rather than a request that hangs.
    // No JIT: every statement here runs in a millisecond or two, and at ten million orders the
    // planner's estimate for a text search passes jit_above_cost, so each search paid 14 ms of
    // LLVM compilation for 0.7 ms of execution. (An `options` in DATABASE_URL takes precedence.)
    const dataSource = new DataSource({
      ...common,
      url: config.DATABASE_URL,
      poolSize: config.DB_POOL_SIZE,
      connectTimeoutMS: 10_000,
      extra: { options: '-c jit=off', Client: ListenedClient },
    });
    await dataSource.initialize();
    pooled.add(dataSource);
    return new Database(dataSource, false);
  }
  if (options.inMemory) {
    const dataSource = new DataSource({ ...common, driver: new PGliteDriver({}).driver });
    await dataSource.initialize();
    return new Database(dataSource, true);
  }
  const release = await lockDataDir(config.DATA_DIR);
  try {
    const dataDir = path.resolve(config.DATA_DIR, 'pglite');
    copyTemplate(dataDir);
    const dataSource = new DataSource({ ...common, driver: new PGliteDriver({ dataDir }).driver });
    await dataSource.initialize();
    return new Database(dataSource, true, release);
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * The pool's connections. pg reports a connection that dies (a restart's `-m fast` stop, an
 * administrator's pg_terminate_backend, a network cut) as an 'error' event, and an 'error' event
 * with no listener is thrown, which ends the process. The pool listens while a connection is
 * idle and each statement while it runs, but nobody does while work holds a connection between
 * two statements (a transaction waiting on the application): this listener does, for the
 * connection's whole life. The loss is not hidden: the holder's next statement fails with
 * "Client has encountered a connection error", an outage (503, or a job tried again), and
 * gives the connection back as broken.
 */
class ListenedClient extends Client {
  constructor(config?: ConstructorParameters<typeof Client>[0]) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** The PostgreSQL data sources, whose driver holds a pg pool (PGlite's is one shared instance). */
const pooled = new WeakSet<DataSource>();
/** Statement names by text: the first 20 hex digits of the text's SHA-1. */
const names = new Map<string, string>();

interface NamedQueryPool {
  query<T>(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: T[] }>;
}

/**
 * A read on a hot path (a look-up and its view), in plain SQL. On PostgreSQL outside a
 * transaction it goes straight to the pool as a named statement, which each pooled connection
 * parses and plans once: planning a statement on work_orders (seventeen indexes) costs more
 * than running a key's probe, and TypeORM's query runner adds its own turn. Inside a
 * transaction and on PGlite it runs through the manager, as any other statement.
 *
 * Name only statements of a fixed text (values as parameters), whose good plan does not depend
 * on the values (after five runs PostgreSQL may keep one generic plan), and that name their
 * columns (a cached `SELECT *` fails once a migration adds one).
 */
export async function readRows<T = Record<string, unknown>>(m: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  if (m.queryRunner || !pooled.has(m.connection)) return (await m.query(sql, params)) as T[];
  return poolQuery<T>(m.connection, sql, params, true);
}

/** One statement straight on a PostgreSQL data source's pg pool; `named`: prepared once per connection. */
async function poolQuery<T>(dataSource: DataSource, sql: string, params: unknown[], named: boolean): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master: NamedQueryPool }).master;
  return (await pool.query<T>(named ? { name: statementName(sql), text: sql, values: params } : { text: sql, values: params })).rows;
}

function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `r_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * Independent reads of one unit of work: all at once where each takes its own pooled
 * connection (PostgreSQL outside a transaction), else one after another. On a transaction's
 * one connection pg would queue them anyway, and it warns that pg 9 will refuse a query sent
 * while another runs; PGlite runs one statement at a time whatever is asked.
 */
export async function readTogether<T extends unknown[]>(m: EntityManager, reads: [...{ [K in keyof T]: () => Promise<T[K]> }]): Promise<T> {
  if (!m.queryRunner && pooled.has(m.connection)) return (await Promise.all(reads.map((read) => read()))) as T;
  const results: unknown[] = [];
  for (const read of reads) results.push(await read());
  return results as T;
}

/**
 * The rows an INSERT/UPDATE ... RETURNING gave back. TypeORM hands PostgreSQL's
 * UPDATE result as [rows, rowCount] but PGlite's as plain rows (PGlite reports no
 * command tag), so callers ask here rather than read `raw` themselves.
 */
export function returnedRows<T = Record<string, unknown>>(raw: unknown): T[] {
  if (Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') return raw[0] as T[];
  return Array.isArray(raw) ? (raw as T[]) : [];
}

/** An entity's mapped columns for a hand-written SELECT, comma-separated, each prefixed by `alias.` when one is given. */
export function columnList(m: EntityManager, target: EntityTarget<ObjectLiteral>, alias?: string): string {
  return m.connection
    .getMetadata(target)
    .columns.map((c) => (alias ? `${alias}.${c.databaseName}` : c.databaseName))
    .join(', ');
}

/** An entity from a raw row (RETURNING *, or a hand-written query), by the entity's column names. */
export function hydrate<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, row: Record<string, unknown>): T {
  const meta = m.connection.getMetadata(target);
  const entity = meta.create() as Record<string, unknown>;
  for (const column of meta.columns) entity[column.propertyName] = m.connection.driver.prepareHydratedValue(row[column.databaseName], column);
  return entity as T;
}
