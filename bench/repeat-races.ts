import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import path from 'node:path';
import { Pool } from 'pg';
import { complaintBody, createThrowawayDatabase, createToken, post, startService } from './support';

/**
 * npm run bench:repeat-races — repeat complaints as a busy deployment makes them: two API
 * processes and two workers on PostgreSQL + Redis take BENCH_ORDERS (default 3,000) orders
 * about a few matters at 11 places from 32 clients, while operators merge the repeats in triage
 * into the order each points at. Routing runs out of taking order there (batch jobs side by
 * side on two workers), which is what once left repeats pointing at repeats.
 *
 * Prints how long routing them all took, how many repeats were linked, moved after linking and
 * merged, the merges refused (by problem code), and the invariant: no order pointing at a repeat
 * or a merged order. Exits 1 when an order points at one, or is left unrouted.
 */
const ORDERS = Number(process.env.BENCH_ORDERS ?? 3_000);
const CLIENTS = 32;
const OPERATORS = 8;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MATTERS = ['楼下烧烤摊油烟很大,晚上吵到十二点', '小区广场舞音响太吵,晚上十点还在跳', '饭店排烟管道油烟直排,窗户不敢开', '工地夜间施工噪音扰民,凌晨还在打桩'];

function orderBody(run: string, n: number): string {
  const phone = `1380000${String(n % 37).padStart(4, '0')}`;
  return complaintBody({ externalNo: `R${run}-${n}`, phone, content: MATTERS[n % MATTERS.length] + (n % 3 ? ',请尽快处理' : ''), address: `长清区文昌街道清河街${n % 11}号小区` });
}

async function main(): Promise<void> {
  const db = createThrowawayDatabase('hotline_bench_repeats');
  const run = Date.now().toString(36);
  const env = { DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: `bench-repeats-${run}`, RATE_LIMIT_MAX: '1000000', WORKER_IN_PROCESS: 'false' };
  const apis = [await startService(env)];
  apis.push(await startService(env, apis[0].adminToken));
  const workers = [0, 1].map(() =>
    spawn(process.execPath, [path.resolve(__dirname, '../src/worker.js')], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'inherit', 'inherit'] }),
  );
  const pool = new Pool({ connectionString: db.url, max: OPERATORS + 1 });
  const one = async (sql: string) => Number(((await pool.query(sql)).rows[0] as { n: string }).n);
  const operator = await createToken(apis[0], 'operator');
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS + OPERATORS });
  const outcomes = new Map<string, number>();
  const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  try {
    const started = Date.now();
    let next = 0;
    let taking = true;
    const intake = Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        const url = new URL('/api/v1/work-orders', apis[client % apis.length].baseUrl);
        while (next < ORDERS) count(`intake ${(await post(agent, url, operator, orderBody(run, next++))).status}`);
      }),
    ).finally(() => (taking = false));
    // Operators merge a repeat waiting in triage into the order it points at, one at a time each.
    const tried = new Set<string>();
    const merging = Promise.all(
      Array.from({ length: OPERATORS }, async (_, desk) => {
        while (taking) {
          const [pick] = (await pool.query(`SELECT id, repeat_of_id FROM work_orders WHERE repeat_of_id IS NOT NULL AND state = 'received' ORDER BY random() LIMIT 1`)).rows as { id: string; repeat_of_id: string }[];
          if (!pick || tried.has(pick.id)) {
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          tried.add(pick.id);
          const res = await fetch(new URL(`/api/v1/work-orders/${pick.id}/merge`, apis[desk % apis.length].baseUrl), {
            method: 'POST',
            headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
            body: JSON.stringify({ originalId: pick.repeat_of_id }),
          });
          count(res.ok ? 'merge 200' : `merge ${res.status} ${((await res.json()) as { code?: string }).code ?? ''}`);
        }
      }),
    );
    await Promise.all([intake, merging]);
    const unrouted = `SELECT count(*) AS n FROM work_orders w WHERE w.state = 'received' AND NOT EXISTS (SELECT 1 FROM routing_decisions r WHERE r.work_order_id = w.id)`;
    while ((await one(unrouted)) > 0 && Date.now() - started < 600_000) await new Promise((r) => setTimeout(r, 250));
    const seconds = (Date.now() - started) / 1000;
    const left = await one(unrouted);
    const chained = await one(
      `SELECT count(*) AS n FROM work_orders w JOIN work_orders o ON o.id = COALESCE(w.merged_into_id, w.repeat_of_id) WHERE o.repeat_of_id IS NOT NULL OR o.merged_into_id IS NOT NULL`,
    );
    const lines = [
      `bench:repeat-races: ${ORDERS} orders from ${CLIENTS} clients through 2 API processes, 2 workers, ${OPERATORS} operators merging`,
      `  taken in and routed in ${seconds.toFixed(1)} s; left unrouted ${left}`,
      `  repeats linked ${await one(`SELECT count(*) AS n FROM work_orders WHERE repeat_of_id IS NOT NULL`)}, moved after linking ${await one(`SELECT count(*) AS n FROM work_order_events WHERE action = 'link-repeat' AND details ? 'previousOriginalId'`)}, merged ${await one(`SELECT count(*) AS n FROM work_orders WHERE merged_into_id IS NOT NULL`)}`,
      `  requests: ${[...outcomes].sort().map(([k, n]) => `${k} × ${n}`).join(', ')}`,
      `  orders pointing at a repeat or a merged order: ${chained}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    process.stdout.write(`BENCH_RESULT ${JSON.stringify({ orders: ORDERS, seconds, unrouted: left, chained, requests: Object.fromEntries(outcomes) })}\n`);
    if (chained > 0 || left > 0) process.exitCode = 1;
  } finally {
    agent.destroy();
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await Promise.all(apis.map((a) => a.stop()));
    await pool.end();
    db.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
