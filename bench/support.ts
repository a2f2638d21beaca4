import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';

/** Shared pieces of the HTTP benchmarks: a throwaway database, the service as a child process, a keep-alive client. */

export const PG = { host: '127.0.0.1', port: 5432, user: process.env.PGUSER ?? 'postgres' };

export function psql(database: string, sql: string): string {
  const r = spawnSync('psql', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-Atc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

export function createThrowawayDatabase(prefix: string): { name: string; url: string; drop(): void } {
  const name = `${prefix}_${randomUUID().slice(0, 8)}`;
  psql('postgres', `CREATE DATABASE ${name}`);
  return {
    name,
    url: `postgres://${PG.user}@${PG.host}:${PG.port}/${name}`,
    drop: () => psql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface RunningService {
  baseUrl: string;
  adminToken: string;
  /** The service process's id, to read its CPU time (`processCpuMicros`). */
  pid: number;
  stop(): Promise<void>;
}

/** The kernel's clock ticks per second for /proc's CPU times (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;

/** CPU time (user + system) a process has used so far, in microseconds, from /proc (Linux). */
export function processCpuMicros(pid: number): number {
  return statCpuMicros(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** The user + system time of a /proc `stat` line (fields 14 and 15, counted after the command name's closing parenthesis). */
function statCpuMicros(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1e6 / CLOCK_TICKS);
}

/**
 * CPU time so far of each running process of these programs (by command name: `postgres`,
 * `redis-server`), in microseconds by pid: the database and the queue serve every client of the
 * machine, so a run reads them before and after and counts what its window added.
 */
export function programsCpuMicros(programs: readonly string[]): Map<number, { program: string; micros: number }> {
  const found = new Map<number, { program: string; micros: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const program = programs.find((name) => stat.startsWith(`${entry} (${name})`));
      if (!program) continue;
      found.set(Number(entry), { program, micros: statCpuMicros(stat) });
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

/** CPU time so far of a process's main thread (its event loop, for Node), in microseconds. */
export function mainThreadCpuMicros(pid: number): number {
  return statCpuMicros(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
}

/** The machine's busy and total CPU time so far, in clock ticks, from /proc/stat. */
export function machineCpuTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const ticks = values.map(Number);
  const idle = ticks[3] + ticks[4];
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Starts the compiled service (dist/src/server.js) with this environment and waits until /ready answers 200.
 * With BENCH_PROFILE_DIR set, each service process writes a V8 CPU profile there when it stops.
 */
export async function startService(env: Record<string, string>, adminToken = `bench-admin-${randomUUID()}`, script = '../src/server.js'): Promise<RunningService> {
  const port = await freePort();
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, path.resolve(__dirname, script)], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1', ADMIN_TOKEN: adminToken },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${baseUrl}/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 60_000) throw new Error('the service did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    adminToken,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function createToken(service: RunningService, role: string, unitCode?: string): Promise<string> {
  const res = await fetch(`${service.baseUrl}/api/v1/principals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${service.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `bench-${role}-${randomUUID().slice(0, 6)}`, role, ...(unitCode ? { unitCode } : {}) }),
  });
  if (res.status !== 201) throw new Error(`could not create a ${role} token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** One POST on a keep-alive connection; resolves with the status and the latency in milliseconds. */
export function post(agent: Agent, url: URL, token: string, body: string): Promise<{ status: number; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The body of an intake request: a citizen's phone complaint, received now. */
export function complaintBody(order: { externalNo: string; phone: string; content: string; address: string; confidential?: boolean; category?: string }): string {
  const { externalNo, phone, content, address, ...rest } = order;
  return JSON.stringify({
    externalNo,
    source: 'phone',
    receivedAt: new Date().toISOString(),
    requestType: 'complaint',
    urgency: 'normal',
    citizen: { name: '张先生', phone },
    content,
    address,
    ...rest,
  });
}
