import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * A migrated PGlite cluster with no data, made once at install (`npm ci` runs `prepare`) and
 * copied into a fresh DATA_DIR instead of running initdb and every migration there: PGlite's
 * initdb runs in WebAssembly and takes 7–17 s on this machine, the migrations about 3 s of CPU;
 * copying the 40 MB template takes a fraction of a second. Migrations added since the template
 * was made run at start as always (migrations are append-only). The template is kept per
 * PGlite version, so an upgrade without a rebuild falls back to initdb rather than to a cluster
 * of another version.
 */
export function templateDir(): string {
  const root = path.resolve(__dirname, '../..');
  const dist = path.basename(root) === 'dist' ? root : path.join(root, 'dist');
  return path.join(dist, 'pglite-template', pgliteVersion());
}

function pgliteVersion(): string {
  const main = require.resolve('@electric-sql/pglite');
  const pkg = JSON.parse(readFileSync(path.resolve(path.dirname(main), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** A cluster is there once PG_VERSION is: PGlite then opens it rather than running initdb. */
export const hasCluster = (dataDir: string) => existsSync(path.join(dataDir, 'PG_VERSION'));

/**
 * Copies the template into `dataDir` when that is absent or empty; false when it is not, or there is no template.
 * Copied beside and renamed, so that a copy cut short never looks like a cluster.
 */
export function copyTemplate(dataDir: string): boolean {
  const template = templateDir();
  if ((existsSync(dataDir) && readdirSync(dataDir).length > 0) || !hasCluster(template)) return false;
  const partial = `${dataDir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(template, partial, { recursive: true });
  rmSync(dataDir, { recursive: true, force: true }); // an empty directory
  renameSync(partial, dataDir);
  return true;
}

/** Makes the template (once per PGlite version): `npm run build:pglite-template`. */
export async function makeTemplate(): Promise<{ dir: string; made: boolean }> {
  const dir = templateDir();
  if (hasCluster(dir)) return { dir, made: false };
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  const [{ DataSource }, { PGliteDriver }, { migrations }] = await Promise.all([import('typeorm'), import('typeorm-pglite'), import('../../migrations')]);
  const dataSource = new DataSource({ type: 'postgres', driver: new PGliteDriver({ dataDir: partial }).driver, migrations, installExtensions: false, uuidExtension: 'pgcrypto', logging: false });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return { dir, made: true };
}
