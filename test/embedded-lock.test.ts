import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createToken } from '../src/cli/create-token';
import { loadDirectory } from '../src/cli/load-directory';
import { migrate } from '../src/cli/migrate';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { DataDirLockedError, lockDataDir, lockFileOf } from '../src/db/data-dir-lock';
import { entities } from '../src/entities';

/** Another process that takes the data directory's lock, as a running service does, and holds it. */
async function holder(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', './test/support/register-ts.js', '-e', `require('./src/db/data-dir-lock').lockDataDir(${JSON.stringify(dataDir)}).then(() => { console.log('locked'); setInterval(() => {}, 60000); })`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => String(chunk).includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('the embedded database belongs to one process', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'hotline-lock-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) await kill9(child);
    child = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('while a service holds DATA_DIR a second one is refused, naming the directory and the pid, and touches nothing', async () => {
    child = await holder(dataDir);
    const opening = openDatabase(loadConfig({ DATA_DIR: dataDir }), entities);
    await expect(opening).rejects.toThrow(DataDirLockedError);
    await expect(opening).rejects.toThrow(`the embedded database in ${dataDir} is in use by process ${child.pid}`);
    expect(existsSync(path.join(dataDir, 'pglite'))).toBe(false);
    expect(JSON.parse(readFileSync(lockFileOf(dataDir), 'utf8')).pid).toBe(child.pid);
  });

  test('the command-line tools refuse while the service runs, say what to do instead, and write nothing', async () => {
    child = await holder(dataDir);
    const env = { DATA_DIR: dataDir };
    await expect(createToken(['--name', 'admin', '--role', 'admin'], env)).rejects.toThrow(`the service is running (pid ${child.pid})`);
    await expect(createToken(['--name', 'admin', '--role', 'admin'], env)).rejects.toThrow('POST /api/v1/principals');
    await expect(loadDirectory(undefined, env)).rejects.toThrow(`the service is running (pid ${child.pid})`);
    await expect(migrate([], env)).rejects.toThrow(`the service is running (pid ${child.pid})`);
    expect(existsSync(path.join(dataDir, 'pglite'))).toBe(false);
  });

  test('a second open in the same process is refused too', async () => {
    const release = await lockDataDir(dataDir);
    try {
      await expect(lockDataDir(dataDir)).rejects.toThrow(`in use by process ${process.pid}`);
    } finally {
      release();
    }
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
    (await lockDataDir(dataDir))();
  });

  test('a lock whose pid now belongs to another process (started at another time) is stale', async () => {
    child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
    writeFileSync(lockFileOf(dataDir), JSON.stringify({ pid: child.pid, hostname: require('node:os').hostname(), command: 'node dist/src/server.js', startedAt: '2026-01-01T00:00:00.000Z', processStart: '1' }));
    const release = await lockDataDir(dataDir);
    expect(JSON.parse(readFileSync(lockFileOf(dataDir), 'utf8')).pid).toBe(process.pid);
    release();
  });

  test('after the service is killed with kill -9 the next start opens the database, keeps what was written, and can restart again', async () => {
    child = await holder(dataDir);
    await kill9(child);
    expect(existsSync(lockFileOf(dataDir))).toBe(true);

    const config = loadConfig({ DATA_DIR: dataDir });
    const db = await openDatabase(config, entities);
    await db.migrate();
    await db.write((m) => m.query(`INSERT INTO settings (key, value, updated_by) VALUES ('lock.test', '1', 'test')`));
    await db.close();
    expect(existsSync(lockFileOf(dataDir))).toBe(false);

    const again = await openDatabase(config, entities);
    try {
      expect(await again.read((m) => m.query(`SELECT value FROM settings WHERE key = 'lock.test'`))).toEqual([{ value: 1 }]);
    } finally {
      await again.close();
    }
  });
});
