import pino from 'pino';
import { loadConfig } from '../src/config';
import { openDatabase, type Database } from '../src/db/database';
import { entities } from '../src/entities';
import { BullQueue } from '../src/jobs/bull-queue';
import reference from '../src/modules/directory/data/reference-district.json';
import type { UnitInput } from '../src/modules/directory/directory.service';
import { createServices, startJobs } from '../src/runtime';
import { createThrowawayDatabase, percentile } from './support';

/**
 * npm run bench:sweep — with BENCH_ORDERS (default 1,000,000) orders and three deadline
 * milestones each in PostgreSQL, of which BENCH_DUE (default 1,000) have work due now:
 * how long one sweep takes to find the due work, whether it uses the indexes, and how many
 * deadline checks per second the workers then do through bull on Redis.
 */
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const DUE = Number(process.env.BENCH_DUE ?? 1_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Orders over the past year: 97 % closed with their milestones met, 3 % open with deadlines ahead, and DUE milestones due now. */
async function generate(db: Database, unitId: string): Promise<void> {
  const started = Date.now();
  await db.statement(
    `INSERT INTO work_orders (source, external_no, intake_digest, received_at, request_type, urgency, citizen_name, citizen_phone,
                              content, address, state, lead_unit_id, holder_unit_ids, dispatch_count, created_at, updated_at)
     SELECT 'phone', 'G' || g, md5(g::text), now() - (g % 365) * interval '1 day' - (g % 86400) * interval '1 second',
            (ARRAY['complaint', 'help', 'consultation', 'report'])[1 + g % 4], 'normal', '张先生', '13800000000',
            '小区楼下噪音扰民,请求处理。', '长清区文昌街道', CASE WHEN g % 100 < 97 THEN 'closed' ELSE 'signed' END,
            $1::uuid, ARRAY[$1::uuid], 1, now(), now()
     FROM generate_series(1, $2::int) AS g`,
    [unitId, ORDERS],
  );
  process.stdout.write(`  ${ORDERS} orders in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  const milestonesStarted = Date.now();
  // Generated history goes in without the assessment's per-row tally trigger; the tallies are rebuilt once after.
  await db.statement(`ALTER TABLE work_order_milestones DISABLE TRIGGER tr_milestones_tally`);
  await db.statement(
    `INSERT INTO work_order_milestones (work_order_id, milestone, cycle, unit_id, limit_rule, starts_at, due_at, warn_at, state, met_at, ended_at, late_ms,
                                        warned_at, urge_count, created_at)
     SELECT w.id, k.milestone, 2, w.lead_unit_id, '{"kind":"working_days","days":5,"startNextDay":true}', w.received_at,
            CASE WHEN w.state = 'closed' THEN w.received_at + k.days * interval '1 day' ELSE now() + (1 + abs(hashtext(w.id::text)) % 10) * interval '1 day' END,
            CASE WHEN w.state = 'closed' THEN w.received_at + k.days * interval '0.8 day' ELSE now() + interval '12 hours' END,
            CASE WHEN w.state = 'closed' THEN 'met' ELSE 'open' END,
            CASE WHEN w.state = 'closed' THEN w.received_at + interval '2 days' END,
            CASE WHEN w.state = 'closed' THEN w.received_at + interval '2 days' END,
            CASE WHEN w.state = 'closed' THEN 0 END,
            CASE WHEN w.state = 'closed' THEN w.received_at + interval '1 day' END,
            0, now()
     FROM work_orders w CROSS JOIN (VALUES ('sign', 1), ('reply', 5), ('close', 7)) AS k(milestone, days)`,
  );
  // The work due now: the first DUE open reply milestones have passed their warning point.
  await db.statement(
    `UPDATE work_order_milestones SET warn_at = now() - interval '1 minute'
     WHERE id IN (SELECT id FROM work_order_milestones WHERE state = 'open' AND milestone = 'reply' ORDER BY id LIMIT $1)`,
    [DUE],
  );
  await db.statement(`ALTER TABLE work_order_milestones ENABLE TRIGGER tr_milestones_tally`);
  await db.statement('VACUUM ANALYZE work_orders');
  await db.statement('VACUUM ANALYZE work_order_milestones');
  process.stdout.write(`  ${ORDERS * 3} milestones in ${((Date.now() - milestonesStarted) / 1000).toFixed(0)} s\n`);
}

async function main(): Promise<void> {
  const throwaway = createThrowawayDatabase('hotline_sweep');
  const log = pino({ level: 'warn' });
  const config = { ...loadConfig({ DATABASE_URL: throwaway.url, REDIS_URL, REDIS_PREFIX: `bench-${throwaway.name}`, SWEEP_INTERVAL_MS: '3600000' }), workerInProcess: true };
  const db = await openDatabase(config, entities);
  const jobs = new BullQueue(REDIS_URL, config.REDIS_PREFIX, log, 16);
  try {
    await db.migrate();
    const services = createServices(config, db, jobs, log);
    await services.deadlines.seed();
    await services.directory.load(reference.units as UnitInput[]);
    const [unit] = await db.statement<{ id: string }>(`SELECT id FROM units WHERE code = 'CQ-CG'`);
    process.stdout.write(`generating ${ORDERS} orders with ${ORDERS * 3} milestones, ${DUE} due now\n`);
    await generate(db, unit.id);
    await services.assessment.rebuild();

    const now = new Date();
    const times: number[] = [];
    let found = 0;
    for (let i = 0; i < 30; i++) {
      const started = process.hrtime.bigint();
      found = (await services.deadlines.dueMilestones(now)).length;
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    const plan = await db.statement<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, COSTS OFF)
       (SELECT id FROM work_order_milestones WHERE state = 'open' AND warned_at IS NULL AND warn_at <= $1 ORDER BY warn_at LIMIT 1000)
       UNION
       (SELECT id FROM work_order_milestones WHERE state = 'open' AND overdue_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT 1000)
       UNION
       (SELECT id FROM work_order_milestones WHERE state = 'open' AND next_urge_at IS NOT NULL AND next_urge_at <= $1 ORDER BY next_urge_at LIMIT 1000)
       UNION
       (SELECT id FROM work_order_milestones WHERE state = 'open' AND escalate_at IS NOT NULL AND escalate_at <= $1 ORDER BY escalate_at LIMIT 1000)`,
      [now],
    );
    const scans = plan.map((r) => r['QUERY PLAN'].trim()).filter((l) => /Scan/.test(l));

    const stop = startJobs(services, config, log);
    await jobs.settled();
    const started = Date.now();
    await services.deadlines.sweep();
    await jobs.settled();
    const seconds = (Date.now() - started) / 1000;
    await stop();
    const [{ warned }] = await db.statement<{ warned: string }>(`SELECT count(*) AS warned FROM work_order_milestones WHERE warned_at > now() - interval '1 hour' AND state = 'open'`);

    const result = {
      orders: ORDERS,
      milestones: ORDERS * 3,
      due: found,
      sweepP50Ms: Number(percentile(times, 50).toFixed(2)),
      sweepP99Ms: Number(percentile(times, 99).toFixed(2)),
      checksPerSecond: Math.round(Number(warned) / seconds),
      processed: Number(warned),
    };
    process.stdout.write(
      [
        '',
        `sweep over ${ORDERS} orders / ${ORDERS * 3} milestones, ${found} due now (30 runs)`,
        `  find what is due   p50 ${result.sweepP50Ms} ms   p99 ${result.sweepP99Ms} ms   (aim < 100 ms)`,
        `  plan: ${scans.join(' | ')}`,
        `deadline checks through bull (16 concurrent, one worker process): ${result.processed} in ${seconds.toFixed(1)} s = ${result.checksPerSecond} checks/s`,
        `  each check: lock the milestone, warn, write the event and the webhook deliveries, in one transaction`,
        `BENCH_RESULT ${JSON.stringify(result)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await jobs.obliterate().catch(() => undefined);
    await jobs.close();
    await db.close();
    throwaway.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:sweep failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
