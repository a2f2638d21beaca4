import { findRepeat, type RepeatCandidate } from '../src/modules/repeats/similarity';

/**
 * npm run bench:repeats — the CPU time of the repeat check a routing job makes for each new
 * order at a busy place: the order's text against the most candidates the service reads (200
 * open or recent orders at the same place), generated here from a complaint of a few dozen
 * characters told in slightly different words.
 */
const CANDIDATES = 200;
const RUNS = Number(process.env.BENCH_RUNS ?? 2000);

const COMPLAINT = '市民来电反映：长清区文昌街道清河街某小区楼下烧烤摊每晚营业至凌晨两点，油烟和噪音严重扰民，请相关部门尽快处理';
const candidates: RepeatCandidate[] = Array.from({ length: CANDIDATES }, (_, i) => ({
  id: `c${i}`,
  content: `${COMPLAINT.slice(i % 12)}（第${i}次来电）`,
  placeKey: '文昌街道清河街某小区',
  sameCaller: i % 7 === 0,
  rootId: null,
}));
const order = { content: `${COMPLAINT}，又来投诉`, placeKey: '文昌街道清河街某小区' };

for (let i = 0; i < RUNS / 10; i++) findRepeat(order, candidates, 0.6);
const start = process.cpuUsage();
let match = null;
for (let i = 0; i < RUNS; i++) match = findRepeat(order, candidates, 0.6);
const used = process.cpuUsage(start);
const micros = (used.user + used.system) / RUNS;
process.stdout.write(
  [
    `repeat check of one new order against ${CANDIDATES} candidates at its place, ${RUNS} times`,
    `  ${micros.toFixed(0)} µs of CPU an order; the match: ${match?.matchedId} (similarity ${match?.similarity})`,
    `BENCH_RESULT ${JSON.stringify({ candidates: CANDIDATES, runs: RUNS, cpuMicrosPerOrder: Math.round(micros) })}`,
    '',
  ].join('\n'),
);
