import pino from 'pino';
import { loadConfig } from '../src/config';
import { openDatabase, type Database } from '../src/db/database';
import { entities } from '../src/entities';
import { InProcessQueue } from '../src/jobs/in-process-queue';
import reference from '../src/modules/directory/data/reference-district.json';
import type { UnitInput } from '../src/modules/directory/directory.service';
import { createServices, type Services } from '../src/runtime';
import { createThrowawayDatabase, percentile } from './support';

/**
 * npm run bench:rankings — for each size in BENCH_SIZES (default 100,000 and 1,000,000
 * orders over the twelve months 2025-12 to 2026-11, spread over the ranked police units, each
 * with its events, reply and close milestones and a callback), a month's ranking report's
 * time (it reads the per-unit, per-month tallies), and for comparison the same month
 * recomputed from the records and the full rebuild of every tally.
 */
const SIZES = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const MONTH = '2026-07';
const RUNS = 50;

/** Orders, events, milestones and callbacks, written in bulk with the tally triggers off; the tallies are then rebuilt (and timed). */
async function generate(db: Database, orders: number): Promise<void> {
  const started = Date.now();
  await db.statement(`ALTER TABLE work_order_milestones DISABLE TRIGGER tr_milestones_tally`);
  await db.statement(`ALTER TABLE callbacks DISABLE TRIGGER tr_callbacks_tally`);
  await db.statement(
    `INSERT INTO work_orders (source, external_no, intake_digest, received_at, request_type, urgency, citizen_name, citizen_phone,
                              content, address, category, state, lead_unit_id, holder_unit_ids, dispatch_count, closed_at, created_at, updated_at, place_key)
     SELECT 'phone', 'R' || g, md5(g::text), r.at, 'complaint', 'normal', '张先生', '13800000000',
            '小区楼下噪音扰民,请求处理。', '长清区文昌街道', (ARRAY['噪音扰民', '养犬', '交通', '户籍', '治安'])[1 + g % 5],
            'closed', u.ids[1 + g % array_length(u.ids, 1)], ARRAY[u.ids[1 + g % array_length(u.ids, 1)]], 1, r.at + interval '3 days', r.at, r.at, '文昌街道' || (g % 500)
     FROM generate_series(1, $1::int) AS g
     CROSS JOIN (SELECT array_agg(id ORDER BY code) AS ids FROM units WHERE kind IN ('station', 'brigade')) AS u
     CROSS JOIN LATERAL (SELECT timestamptz '2025-12-01 00:00+08' + ((g::bigint * 7919) % 365) * interval '1 day' + (g % 36000) * interval '1 second' AS at) AS r`,
    [orders],
  );
  await db.statement(
    `INSERT INTO work_order_events (work_order_id, version, action, from_state, to_state, actor_name, actor_role, details, at)
     SELECT w.id, e.v, e.action, e.from_state, e.to_state, 'bench', 'operator', '{}', w.received_at + e.v * interval '1 hour'
     FROM work_orders w CROSS JOIN (VALUES (1, 'create', NULL, 'received'), (2, 'dispatch', 'received', 'dispatched'), (3, 'sign', 'dispatched', 'signed'),
                                           (4, 'reply', 'signed', 'replied'), (5, 'close', 'replied', 'closed')) AS e(v, action, from_state, to_state)`,
  );
  // Replies due five days after receipt, met on time nine times in ten; closings due seven days after, eight in ten on time.
  await db.statement(
    `INSERT INTO work_order_milestones (work_order_id, milestone, cycle, unit_id, limit_rule, starts_at, due_at, warn_at, state, met_at, ended_at, late_ms, urge_count, created_at)
     SELECT w.id, k.milestone, 2, w.lead_unit_id, '{"kind":"working_days","days":5,"startNextDay":true}', w.received_at,
            w.received_at + k.days * interval '1 day', w.received_at + k.days * interval '0.8 day', 'met',
            w.received_at + CASE WHEN abs(hashtext(w.id::text || k.milestone)) % 10 < k.on_time THEN 2 ELSE k.days + 2 END * interval '1 day',
            w.received_at + CASE WHEN abs(hashtext(w.id::text || k.milestone)) % 10 < k.on_time THEN 2 ELSE k.days + 2 END * interval '1 day',
            0, 0, w.received_at
     FROM work_orders w CROSS JOIN (VALUES ('reply', 5, 9), ('close', 7, 8)) AS k(milestone, days, on_time)`,
  );
  await db.statement(
    `INSERT INTO callbacks (work_order_id, cycle, unit_id, replied_at, due_at, state, attempts, satisfaction, unit_fault, completed_at)
     SELECT w.id, 1, w.lead_unit_id, w.received_at + interval '2 days', w.received_at + interval '3 days',
            CASE WHEN h % 20 = 0 THEN 'unreachable' ELSE 'done' END, 1,
            CASE WHEN h % 20 = 0 THEN NULL ELSE (ARRAY['very_satisfied', 'satisfied', 'satisfied', 'basically_satisfied', 'unsatisfied'])[1 + h % 5] END,
            CASE WHEN h % 20 = 0 THEN NULL ELSE false END, w.received_at + interval '3 days'
     FROM work_orders w CROSS JOIN LATERAL (SELECT abs(hashtext(w.id::text)) AS h) AS x`,
  );
  await db.statement(`ALTER TABLE work_order_milestones ENABLE TRIGGER tr_milestones_tally`);
  await db.statement(`ALTER TABLE callbacks ENABLE TRIGGER tr_callbacks_tally`);
  for (const table of ['work_orders', 'work_order_events', 'work_order_milestones', 'callbacks']) await db.statement(`VACUUM ANALYZE ${table}`);
  process.stdout.write(`  generated ${orders} orders, ${orders * 5} events, ${orders * 2} milestones, ${orders} callbacks in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}

async function measure(services: Services) {
  const [rebuilt, rebuildMs] = await timed(() => services.assessment.rebuild());
  await services.assessment.report(MONTH);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await timed(() => services.assessment.report(MONTH)))[1]);
  times.sort((a, b) => a - b);
  const [check, checkMs] = await timed(() => services.assessment.check(MONTH));
  const report = await services.assessment.report(MONTH);
  const ranked = report.units.filter((u) => u.ranked);
  return {
    reportP50Ms: Number(percentile(times, 50).toFixed(2)),
    reportP99Ms: Number(percentile(times, 99).toFixed(2)),
    recomputeMonthMs: Number(checkMs.toFixed(1)),
    rebuildAllMs: Number(rebuildMs.toFixed(0)),
    tallyRows: rebuilt.rows,
    agrees: check.agrees,
    units: report.units.length,
    ranked: ranked.length,
    dueInMonth: report.units.reduce((a, u) => a + u.replyDue, 0),
  };
}

async function main(): Promise<void> {
  const results: Record<string, Awaited<ReturnType<typeof measure>> & { orders: number }> = {};
  for (const orders of SIZES) {
    const throwaway = createThrowawayDatabase('hotline_rankings');
    const log = pino({ level: 'warn' });
    const config = loadConfig({ DATABASE_URL: throwaway.url });
    const db = await openDatabase(config, entities);
    const jobs = new InProcessQueue(log);
    try {
      await db.migrate();
      const services = createServices(config, db, jobs, log);
      await services.directory.load(reference.units as UnitInput[]);
      process.stdout.write(`${orders} orders over 12 months\n`);
      await generate(db, orders);
      results[orders] = { orders, ...(await measure(services)) };
      const r = results[orders];
      process.stdout.write(
        [
          `  ${MONTH} ranking report (${r.units} units, ${r.ranked} ranked, ${r.dueInMonth} replies due), ${RUNS} runs: p50 ${r.reportP50Ms} ms   p99 ${r.reportP99Ms} ms`,
          `  the same month recomputed from the records: ${r.recomputeMonthMs} ms (tallies agree: ${r.agrees})`,
          `  every tally rebuilt from the records: ${r.rebuildAllMs} ms (${r.tallyRows} unit-months)`,
          '',
        ].join('\n'),
      );
    } finally {
      await jobs.close();
      await db.close();
      throwaway.drop();
    }
  }
  const [small, large] = SIZES.map((n) => results[n]);
  if (small && large) {
    process.stdout.write(`report p50 at ${large.orders} ÷ at ${small.orders}: ${(large.reportP50Ms / small.reportP50Ms).toFixed(2)} (aim ≤ 1.5; each under 50 ms)\n`);
  }
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(Object.values(results))}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:rankings failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
