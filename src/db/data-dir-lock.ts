import { linkSync, mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

/**
 * One process at a time on an embedded database. PGlite loads its data directory into the
 * process and writes it back: two processes on one directory each keep their own copy, and
 * one's acknowledged writes are lost. The owner writes its pid to `<DATA_DIR>/pglite.lock`;
 * another process refuses while that pid lives, and takes the lock over once it is dead
 * (a `kill -9` leaves the file behind).
 *
 * Why a pid file and not proper-lockfile: proper-lockfile judges a lock stale by its age,
 * refreshed on a timer, so a restart after `kill -9` is refused until the stale period has
 * passed (10 s by default), and a long PGlite statement, which holds the event loop, misses
 * refreshes and lets a second process in; nor does it record who holds the lock. Asking the
 * kernel whether the owner lives answers at once, and names the owner.
 */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** The owner's command line, to tell an operator what to stop. */
  command: string;
  startedAt: string;
  /** Linux: the process's start time in clock ticks since boot, to tell a reused pid from its first owner. */
  processStart: string | null;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${owner.pid} (${owner.command}, on ${owner.hostname} since ${owner.startedAt}); ` +
        'only one process may open it: stop that process, or give this one another DATA_DIR',
    );
  }
}

/** Lock files this process holds, so that a second open in the same process is refused too. */
const held = new Set<string>();

const LOCK_FILE = 'pglite.lock';

export function lockFileOf(dataDir: string): string {
  return path.join(path.resolve(dataDir), LOCK_FILE);
}

/** Takes the data directory's lock or throws DataDirLockedError; returns the release. */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = lockFileOf(dir);
  const me: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    command: process.argv.slice(1).map((a) => path.relative(process.cwd(), a) || a).join(' ') || 'node',
    startedAt: new Date().toISOString(),
    processStart: processStart(process.pid),
  };
  const content = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (create(file, content)) {
      held.add(file);
      const release = () => {
        if (!held.delete(file)) return;
        process.removeListener('exit', release);
        // Only our own lock: never delete one that somebody took over after us.
        if (readRaw(file) === content) unlinkQuietly(file);
      };
      process.on('exit', release);
      return release;
    }
    const raw = readRaw(file);
    if (raw === undefined) continue; // released meanwhile
    const owner = parse(raw);
    if (owner && isAlive(owner, file)) throw new DataDirLockedError(dir, owner);
    // Dead owner, or a file cut short (a crash while it was written): take it over.
    if (!removeIfUnchanged(file, raw)) await pause(20);
  }
  const owner = parse(readRaw(file) ?? '');
  if (owner) throw new DataDirLockedError(dir, owner);
  throw new Error(`could not take the lock ${file}: another process keeps replacing it`);
}

/** Creates the lock with its whole content at once (link is atomic and never overwrites), or says it exists. */
function create(file: string, content: string): boolean {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temp, content, { flag: 'wx' });
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkQuietly(temp);
  }
}

/**
 * Removes a stale lock only if it is still the one judged stale. Two processes may find the same
 * stale lock; the takeover guard (a directory: mkdir is atomic) makes them take turns, so one can't
 * delete the fresh lock the other has just created. A guard left by a process killed in these few
 * statements is cleared after a few seconds.
 */
function removeIfUnchanged(file: string, stale: string): boolean {
  const guard = `${file}.takeover`;
  try {
    mkdirSync(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = ageMs(guard);
    if (age !== undefined && age > 5_000) rmdirQuietly(guard);
    return false;
  }
  try {
    if (readRaw(file) === stale) unlinkQuietly(file);
    return true;
  } finally {
    rmdirQuietly(guard);
  }
}

function isAlive(owner: LockOwner, file: string): boolean {
  // Our own pid, but not a lock we hold: a previous process that had the same pid (pid 1 in a container).
  if (owner.pid === process.pid) return held.has(file);
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it lives, under another user.
  }
  const start = processStart(owner.pid);
  // The pid is alive but started at another time: the owner died and the pid went to another process.
  if (owner.processStart && start && owner.hostname === hostname() && start !== owner.processStart) return false;
  return true;
}

/** Field 22 of /proc/<pid>/stat (start time); null off Linux. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function parse(raw: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(raw) as LockOwner;
    return Number.isInteger(owner.pid) && owner.pid > 0 ? owner : undefined;
  } catch {
    return undefined;
  }
}

function readRaw(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function ageMs(file: string): number | undefined {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // already gone
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
