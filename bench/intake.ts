import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { complaintBody, createThrowawayDatabase, createToken, mainThreadCpuMicros, machineCpuTicks, PG, percentile, post, processCpuMicros, programsCpuMicros, psql, startService } from './support';

/** Removes the jobs the run queued. */
async function dropRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

/**
 * npm run bench:intake — many clients take in orders for a fixed time against the service
 * on PostgreSQL + Redis; then, on the same database and at the same concurrency, pgbench
 * inserts a similar row into a similar table. Prints both rates and their ratio.
 *
 * In the same run, a second baseline: a bare fastify route (bench/bare-route.ts) inserting the
 * same body into that table through pg, one statement per request: the floor of HTTP plus one
 * statement in one Node process.
 *
 * BENCH_CONNECTIONS (default 32), BENCH_SECONDS (default 20), BENCH_WARMUP_SECONDS (default 3),
 * BENCH_API_PROCESSES (default 1; more API processes share the database, the clients spread over them),
 * BENCH_SEARCH_INDEXES=off (drops the search and phone indexes first: what keeping them costs).
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const API_PROCESSES = Number(process.env.BENCH_API_PROCESSES ?? 1);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const CONTENT =
  '市民来电反映：长清区文昌街道清河街某小区楼下烧烤摊每晚营业至凌晨两点,油烟和噪音严重扰民,影响老人和孩子休息,此前已多次向社区反映但未解决,请求相关部门尽快到现场核实处理,并回复处理结果。';

function orderBody(run: string, n: number): string {
  return complaintBody({ externalNo: `B${run}-${n}`, phone: '13800000000', confidential: n % 10 === 0, content: CONTENT, address: '长清区文昌街道清河街某小区', category: '噪音扰民' });
}

/** Runs `clients` loops of intake until `until`; returns latencies of the requests started after `measureFrom`. */
async function load(baseUrls: string[], route: string, token: string, run: string, measureFrom: number, until: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  const failures = new Map<number, number>();
  let seq = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, client) => {
      const url = new URL(route, baseUrls[client % baseUrls.length]);
      while (Date.now() < until) {
        const started = Date.now();
        const { status, ms } = await post(agent, url, token, orderBody(run, seq++));
        if (started < measureFrom) continue;
        if (status === 201) latencies.push(ms);
        else failures.set(status, (failures.get(status) ?? 0) + 1);
      }
    }),
  );
  agent.destroy();
  return { latencies, failures };
}

/** What one window of a run used: its processes' CPU, and the machine's. */
interface CpuUse {
  /** The measured processes (the API or the bare route), and their main threads (their event loops). */
  micros: number;
  mainThreads: number;
  /** PostgreSQL's processes, Redis, and this process (the load generator). */
  postgres: number;
  redis: number;
  loadGenerator: number;
  /** The share of the machine's CPU that was busy. */
  machineBusy: number;
}

/**
 * From `measureFrom` until the returned function is called: the CPU time these processes used,
 * what PostgreSQL, Redis and the load generator used beside them (the four share the machine's
 * cores), and the share of the machine's CPU that was busy.
 */
function cpuWindow(pids: number[], measureFrom: number): () => CpuUse {
  const sample = () => ({
    micros: pids.reduce((sum, pid) => sum + processCpuMicros(pid), 0),
    mainThreads: pids.reduce((sum, pid) => sum + mainThreadCpuMicros(pid), 0),
    servers: programsCpuMicros(['postgres', 'redis-server']),
    self: process.cpuUsage(),
    machine: machineCpuTicks(),
  });
  let start: ReturnType<typeof sample> | undefined;
  const timer = setTimeout(() => (start = sample()), Math.max(0, measureFrom - Date.now()));
  return () => {
    clearTimeout(timer);
    const end = sample();
    start ??= end;
    const byProgram = { postgres: 0, 'redis-server': 0 } as Record<string, number>;
    for (const [pid, { program, micros }] of end.servers) byProgram[program] += micros - (start.servers.get(pid)?.micros ?? 0);
    const total = end.machine.total - start.machine.total;
    return {
      micros: end.micros - start.micros,
      mainThreads: end.mainThreads - start.mainThreads,
      postgres: byProgram.postgres,
      redis: byProgram['redis-server'],
      loadGenerator: end.self.user - start.self.user + (end.self.system - start.self.system),
      machineBusy: total ? (end.machine.busy - start.machine.busy) / total : 0,
    };
  };
}

/** CPU an order in microseconds, by program. */
function perOrder(used: CpuUse, orders: number) {
  const each = (micros: number) => Math.round(micros / Math.max(1, orders));
  return { postgres: each(used.postgres), redis: each(used.redis), loadGenerator: each(used.loadGenerator) };
}

/** A table shaped like work_orders, with its indexes, for the baselines. */
function createPlainTable(database: string): void {
  psql(
    database,
    `CREATE TABLE bench_plain_orders (LIKE work_orders INCLUDING DEFAULTS);
     ALTER TABLE bench_plain_orders DROP COLUMN search_words, DROP COLUMN citizen_phone_hash, DROP COLUMN citizen_phone_last4_hash;
     ALTER TABLE bench_plain_orders ADD PRIMARY KEY (id), ADD UNIQUE (source, external_no);
     CREATE INDEX ON bench_plain_orders (received_at DESC, id DESC);
     CREATE INDEX ON bench_plain_orders (state, received_at DESC, id DESC);
     CREATE INDEX ON bench_plain_orders (lead_unit_id, received_at DESC, id DESC);
     CREATE INDEX ON bench_plain_orders (lead_unit_id, change_xid, id);
     CREATE INDEX ON bench_plain_orders USING gin (holder_unit_ids);
     CREATE INDEX ON bench_plain_orders USING gin (assisting_unit_ids);`,
  );
}

/** The baseline: one prepared single-row INSERT per transaction into the plain table. */
function pgbench(database: string): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'pgbench-'));
  const script = path.join(dir, 'insert.sql');
  writeFileSync(
    script,
    `INSERT INTO bench_plain_orders (source, external_no, intake_digest, received_at, request_type, urgency, citizen_name, citizen_phone, confidential, content, address, category)
     VALUES ('phone', gen_random_uuid()::text, md5(random()::text), now(), 'complaint', 'normal', '张先生', '13800000000', false, '${CONTENT}', '长清区文昌街道清河街某小区', '噪音扰民');\n`,
  );
  const r = spawnSync(
    'pgbench',
    ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-n', '-M', 'prepared', '-c', String(CONNECTIONS), '-j', '2', '-T', String(SECONDS), '-f', script, database],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr || r.error?.message}`);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout);
  if (!tps) throw new Error(`could not read pgbench's rate:\n${r.stdout}`);
  return Number(tps[1]);
}

const besides = (cpu: ReturnType<typeof perOrder>) => `PostgreSQL ${cpu.postgres} µs, Redis ${cpu.redis} µs, load generator ${cpu.loadGenerator} µs of CPU`;

const summary = (latencies: number[], seconds: number) => {
  latencies.sort((a, b) => a - b);
  return {
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p90Ms: Number(percentile(latencies, 90).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
    maxMs: Number((latencies[latencies.length - 1] ?? NaN).toFixed(2)),
  };
};

async function main(): Promise<void> {
  const db = createThrowawayDatabase('hotline_bench');
  const prefix = `bench-${db.name}`;
  const services: Awaited<ReturnType<typeof startService>>[] = [];
  const withoutSearch = process.env.BENCH_SEARCH_INDEXES === 'off';
  try {
    const env = { DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: prefix, RATE_LIMIT_MAX: '1000000000' };
    // API processes only, as deployed: the routing jobs each intake queues wait in Redis for workers.
    services.push(await startService({ ...env, WORKER_IN_PROCESS: 'false' }));
    const adminToken = services[0].adminToken;
    for (let i = 1; i < API_PROCESSES; i++) services.push(await startService({ ...env, WORKER_IN_PROCESS: 'false' }, adminToken));
    if (withoutSearch) psql(db.name, 'DROP INDEX ix_work_orders_search, ix_work_orders_phone, ix_work_orders_phone_last4');
    createPlainTable(db.name);
    const token = await createToken(services[0], 'operator');
    const run = Date.now().toString(36);
    let measureFrom = Date.now() + WARMUP_SECONDS * 1000;
    const serviceCpu = cpuWindow(services.map((s) => s.pid), measureFrom);
    const service = await load(services.map((s) => s.baseUrl), '/api/v1/work-orders', token, run, measureFrom, measureFrom + SECONDS * 1000);
    const serviceSeconds = (Date.now() - measureFrom) / 1000;
    const serviceUsed = serviceCpu();
    await Promise.all(services.splice(0).map((s) => s.stop()));

    const bare = await startService({ DATABASE_URL: db.url }, 'none', './bare-route.js');
    services.push(bare);
    measureFrom = Date.now() + WARMUP_SECONDS * 1000;
    const bareCpu = cpuWindow([bare.pid], measureFrom);
    const floor = await load([bare.baseUrl], '/orders', 'none', `${run}b`, measureFrom, measureFrom + SECONDS * 1000);
    const bareSeconds = (Date.now() - measureFrom) / 1000;
    const bareUsed = bareCpu();
    await Promise.all(services.splice(0).map((s) => s.stop()));

    const baseline = pgbench(db.name);
    const s = summary(service.latencies, serviceSeconds);
    const b = summary(floor.latencies, bareSeconds);
    const result = {
      apiProcesses: API_PROCESSES,
      connections: CONNECTIONS,
      seconds: SECONDS,
      searchIndexes: !withoutSearch,
      ordersPerSecond: s.perSecond,
      p50Ms: s.p50Ms,
      p90Ms: s.p90Ms,
      p99Ms: s.p99Ms,
      maxMs: s.maxMs,
      failures: Object.fromEntries(service.failures),
      // CPU time of the API process(es) per order answered, and how busy the whole machine was meanwhile.
      cpuMicrosPerOrder: Math.round(serviceUsed.micros / Math.max(1, service.latencies.length)),
      eventLoopMicrosPerOrder: Math.round(serviceUsed.mainThreads / Math.max(1, service.latencies.length)),
      besideMicrosPerOrder: perOrder(serviceUsed, service.latencies.length),
      machineBusy: Number(serviceUsed.machineBusy.toFixed(2)),
      bareRoute: { ...b, failures: Object.fromEntries(floor.failures), cpuMicrosPerRequest: Math.round(bareUsed.micros / Math.max(1, floor.latencies.length)), besideMicrosPerRequest: perOrder(bareUsed, floor.latencies.length), machineBusy: Number(bareUsed.machineBusy.toFixed(2)) },
      pgbenchTps: Math.round(baseline),
      ratio: Number((s.perSecond / baseline).toFixed(2)),
      ratioToBareRoute: Number((s.perSecond / b.perSecond).toFixed(2)),
    };
    process.stdout.write(
      [
        '',
        `intake through the service (PostgreSQL + Redis), ${API_PROCESSES} API process(es), ${CONNECTIONS} connections, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up${withoutSearch ? ', search indexes dropped' : ''}`,
        `  each order: HTTP + token check + validation + segmentation, then with the orders that arrive with it: one INSERT of orders + events, one routing job for them all`,
        `  orders/s        ${result.ordersPerSecond}`,
        `  latency ms      p50 ${s.p50Ms}   p90 ${s.p90Ms}   p99 ${s.p99Ms}   max ${s.maxMs}`,
        `  failures        ${service.failures.size ? JSON.stringify(result.failures) : 'none'}`,
        `  API CPU         ${result.cpuMicrosPerOrder} µs an order, ${result.eventLoopMicrosPerOrder} µs of it on the event loop; the machine's two cores ${Math.round(100 * result.machineBusy)} % busy`,
        `  beside it       ${besides(result.besideMicrosPerOrder)} an order`,
        `baseline 1: a bare fastify route, one INSERT through pg per request (no auth, no schema, no event, no queue)`,
        `  orders/s        ${b.perSecond}   p50 ${b.p50Ms}   p99 ${b.p99Ms}`,
        `  its CPU         ${result.bareRoute.cpuMicrosPerRequest} µs a request; the machine ${Math.round(100 * result.bareRoute.machineBusy)} % busy`,
        `  beside it       ${besides(result.bareRoute.besideMicrosPerRequest)} a request`,
        `baseline 2: pgbench, same database, ${CONNECTIONS} clients, one prepared single-row INSERT per transaction`,
        `  into a table with work_orders' columns and indexes (no event row, no HTTP)`,
        `  tps             ${result.pgbenchTps}`,
        `ratio service / pgbench: ${result.ratio}   (aim ≥ 0.6; p99 aim ≤ 50 ms)`,
        `ratio service / bare route: ${result.ratioToBareRoute}   (aim ≥ 0.8)`,
        `BENCH_RESULT ${JSON.stringify(result)}`,
        '',
      ].join('\n'),
    );
    if (service.failures.size) process.exitCode = 1;
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    db.drop();
    await dropRedisKeys(prefix);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:intake failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
