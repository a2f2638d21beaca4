import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createThrowawayDatabase, freePort, percentile } from './support';

/**
 * npm run bench:startup — how long the service takes to answer /ready with 200:
 * - `npm start` (demo data, embedded PGlite) on a fresh DATA_DIR, as after `npm ci`;
 * - the same again on that DATA_DIR (a restart of the built service);
 * - with BENCH_POSTGRES=1, the API on a throwaway PostgreSQL database (first start, then restarts);
 * and how long a bad setting takes to be refused. BENCH_ROUNDS (default 3) rounds; prints the median and the worst.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROOT = path.resolve(__dirname, '../..');

interface Started {
  ms: number;
  /** CPU seconds (user + system) the service's processes had used when it was ready: steadier than wall time on a shared machine. */
  cpu: number;
  stop(): Promise<void>;
}

/** CPU time of every process in a process group, from /proc (Linux), in seconds. */
function groupCpuSeconds(group: number): number {
  const tick = 100; // USER_HZ
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === group) total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Spawns `command` in its own process group and waits until /ready answers 200. */
async function startAndWait(command: string[], env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child: ChildProcess = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (process.hrtime.bigint() - started > 120_000_000_000n) throw new Error('not ready in 120 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    ms,
    cpu: groupCpuSeconds(child.pid!),
    stop: async () => {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

function summary(label: string, runs: number[], cpu: number[] = []): void {
  const sorted = [...runs].sort((a, b) => a - b);
  const cpuSorted = [...cpu].sort((a, b) => a - b);
  const cpuText = cpu.length ? `   cpu median ${percentile(cpuSorted, 50).toFixed(2)} s` : '';
  process.stdout.write(`${label.padEnd(64)} median ${(percentile(sorted, 50) / 1000).toFixed(2)} s   worst ${(sorted[sorted.length - 1] / 1000).toFixed(2)} s${cpuText}   (${runs.length} runs)\n`);
}

async function embedded(): Promise<void> {
  const fresh: number[] = [];
  const restart: number[] = [];
  const freshCpu: number[] = [];
  const restartCpu: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'hotline-startup-'));
    try {
      const first = await startAndWait(['npm', 'start', '--silent'], { DATA_DIR: dataDir });
      fresh.push(first.ms);
      freshCpu.push(first.cpu);
      await first.stop();
      const again = await startAndWait(['npm', 'start', '--silent'], { DATA_DIR: dataDir });
      restart.push(again.ms);
      restartCpu.push(again.cpu);
      await again.stop();
      const direct = await startAndWait([process.execPath, 'dist/src/server.js', '--demo'], { DATA_DIR: dataDir });
      restart.push(direct.ms);
      restartCpu.push(direct.cpu);
      await direct.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  summary('npm start, fresh DATA_DIR (demo data, PGlite)', fresh, freshCpu);
  summary('restart on that DATA_DIR (npm start / node dist/src/server.js)', restart, restartCpu);
}

async function postgres(): Promise<void> {
  const db = createThrowawayDatabase('hotline_startup');
  const first: number[] = [];
  const restart: number[] = [];
  const cpu: number[] = [];
  try {
    const env = { DATABASE_URL: db.url, ADMIN_TOKEN: 'bench-startup-admin-token-0123456789' };
    for (let round = 0; round < ROUNDS; round++) {
      const started = await startAndWait([process.execPath, 'dist/src/server.js'], env);
      (round === 0 ? first : restart).push(started.ms);
      if (round > 0) cpu.push(started.cpu);
      await started.stop();
    }
  } finally {
    db.drop();
  }
  summary('API on PostgreSQL, first start (migrations)', first);
  if (restart.length) summary('API on PostgreSQL, restart', restart, cpu);
}

async function configError(): Promise<void> {
  const runs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['dist/src/server.js'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: 'notaurl' }, stdio: 'ignore' });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    if (code !== 78) throw new Error(`a bad DATABASE_URL exited with ${code}, not 78`);
    runs.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  summary('a bad setting (DATABASE_URL=notaurl) refused', runs);
}

async function main(): Promise<void> {
  await configError();
  await embedded();
  if (process.env.BENCH_POSTGRES === '1') await postgres();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
