import type { PoolClient } from 'pg';
import { loadConfig } from '../src/config';
import { openDatabase, type Database } from '../src/db/database';
import { isDatabaseUnavailable } from '../src/db/unavailable';
import { entities } from '../src/entities';

/**
 * A pooled PostgreSQL connection that dies while it is checked out but between two statements
 * (a transaction waiting on the application, a restart's `-m fast` stop) must cost that one
 * piece of work, never the process: pg emits the server's goodbye (57P01) as an 'error' event,
 * and an 'error' event nobody listens to is thrown. PostgreSQL only: the embedded database
 * has no connections to lose.
 */
const pgOnly = process.env.DATABASE_URL ? describe : describe.skip;

pgOnly('a pooled connection lost between statements (postgres)', () => {
  let db: Database;
  const pool = () => (db.dataSource.driver as unknown as { master: { connect(): Promise<PoolClient> } }).master;

  beforeAll(async () => {
    db = await openDatabase(loadConfig({ DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: 'silent' }), entities);
  });

  afterAll(async () => {
    await db?.close();
  });

  test('the work holding it fails with an outage error, and the process and the pool go on', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    const client = await pool().connect();
    let next: Error | null = null;
    try {
      const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      const ended = new Promise((resolve) => client.once('end', resolve));
      // Another connection ends this one while its holder is between statements.
      await db.statement('SELECT pg_terminate_backend($1)', [pid]);
      await ended;
      expect(uncaught).toEqual([]);
      // The holder learns it at its next statement: an outage (a 503, a job tried again), not a bug.
      next = await client.query('SELECT 1').then(
        () => null,
        (err: Error) => err,
      );
      expect(next).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(next)).toBe(true);
    } finally {
      // Given back as broken, the pool drops it.
      client.release(next ?? true);
      process.off('uncaughtException', onUncaught);
    }
    // And replaces it.
    expect(await db.statement<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
