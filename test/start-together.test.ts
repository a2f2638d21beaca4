import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { entities } from '../src/entities';
import { migrations } from '../migrations';

/**
 * Several API and worker processes may start at once on a database that has never been
 * migrated (PostgreSQL only: the embedded database belongs to one process).
 */
const pgOnly = process.env.DATABASE_URL ? describe : describe.skip;

pgOnly('processes starting together (postgres)', () => {
  const name = `hotline_migrate_${process.pid}_${Date.now().toString(36)}`;
  // Read when run: describe.skip still runs this body, where DATABASE_URL is unset.
  const admin = () => new Client({ connectionString: process.env.DATABASE_URL });
  const fresh = () => Object.assign(new URL(process.env.DATABASE_URL!), { pathname: `/${name}` }).toString();

  beforeAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
  });

  afterAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });

  test('three processes starting at once on a new database all come up, and each migration runs once', async () => {
    // A process waiting for the migration lock must not hold a snapshot meanwhile: a migration
    // that builds an index CONCURRENTLY waits for every older snapshot, and would wait for it forever.
    const config = loadConfig({ DATABASE_URL: fresh(), LOG_LEVEL: 'silent' });
    const dbs = await Promise.all([1, 2, 3].map(() => openDatabase(config, entities)));
    try {
      await Promise.all(dbs.map((db) => db.migrate()));
      const applied = await dbs[0].statement<{ name: string }>('SELECT name FROM migrations ORDER BY id');
      expect(applied.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });
});
