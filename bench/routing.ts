import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import knowledge from '../src/modules/routing/data/knowledge.json';
import reference from '../src/modules/directory/data/reference-district.json';
import { HISTORY_MATTERS, HISTORY_STATIONS } from '../src/demo';
import { parseCsv } from '../src/modules/routing/csv';
import { dispatchesItself, effectiveThreshold, splitHeldBack, type DispatchPolicy, type EvaluationReport } from '../src/modules/routing/evaluation';
import { learn } from '../src/modules/routing/learning';
import { tokenize, type TextModel, type TrainingExample } from '../src/modules/routing/model';
import { compileKnowledge, highest, route, type Knowledge, type RouterPolicy, type RoutingDecision } from '../src/modules/routing/router';
import { SETTINGS } from '../src/modules/settings/settings.catalogue';
import { trainReference } from './reference-learner';
import { ACCEPTED, half } from './routing-labels';
import { percentile } from './support';
import { SPOKEN, spokenFigures, spokenLine } from './spoken';

/**
 * npm run bench:routing — the router as a deployment lives it, on the labelled messages of
 * ../shared/data (see its README; never copied into the project). Each scenario trains the way
 * the service does (held-back fifth, evaluation against what is in force, the activation gate)
 * and scores what is then in force:
 *   1. cold start (duty lists only);
 *   2. partner history only (the training file, each topic to its first accepted unit);
 *   3. partner history plus the demo's closed station orders;
 *   4. partner history plus handled-dev's police messages taught as the centre's own dispatches,
 *      in five folds: police figures on the fold the model did not learn.
 * Figures: agency-group accuracy (topic-dev), police precision/recall/F1 (handled-dev), the share
 * dispatched automatically and its accuracy, wrong-side automatic dispatches per 1,000 orders.
 * Cold start is also given on each half of the development files (the duty lists were written
 * without looking at the "unseen" half). Then routing throughput on one core.
 */
const DATA = path.resolve(process.cwd(), process.env.ROUTING_DATA ?? '../shared/data');
const THRESHOLD = Number(process.env.ROUTING_THRESHOLD ?? SETTINGS['routing.autoDispatchThreshold'].default);
const TARGET = process.env.ROUTING_TARGET_ACCURACY ? Number(process.env.ROUTING_TARGET_ACCURACY) : null;
const GATE = {
  minExamplesPerSide: Number(process.env.ROUTING_MIN_PER_SIDE ?? SETTINGS['routing.minExamplesPerSide'].default),
  minExamplesPerUnit: Number(process.env.ROUTING_MIN_PER_UNIT ?? SETTINGS['routing.minExamplesPerUnit'].default),
};

const STATIONS = reference.units.filter((u) => u.kind === 'station').map((u) => u.code);
const SUBDISTRICTS = ACCEPTED['城乡建设'].filter((c) => c.startsWith('CQ-SD-'));
/** handler_kind of handled-dev: the units that count as right, and the unit taught in scenario 4 (police ones). */
const HANDLERS: Record<string, { accepted: string[]; taught?: string }> = {
  交警: { accepted: ['CQ-JJ'], taught: 'CQ-JJ' },
  户政: { accepted: ['CQ-CRJ', ...STATIONS], taught: 'CQ-CRJ' },
  出入境: { accepted: ['CQ-CRJ'], taught: 'CQ-CRJ' },
  治安: { accepted: ['CQ-ZA', ...STATIONS], taught: 'CQ-ZA' },
  派出所: { accepted: ['CQ-ZA', ...STATIONS], taught: 'CQ-ZA' },
  经侦: { accepted: ['CQ-JZ'], taught: 'CQ-JZ' },
  刑侦: { accepted: ['CQ-XJ'], taught: 'CQ-XJ' },
  督察: { accepted: ['CQ-DC'], taught: 'CQ-DC' },
  other: { accepted: [] },
  教育: { accepted: ['CQ-EDU'] },
  人社: { accepted: ['CQ-RS'] },
  医保: { accepted: ['CQ-YB'] },
  卫健: { accepted: ['CQ-WJ'] },
  住建: { accepted: ['CQ-ZJ'] },
  城管: { accepted: ['CQ-CG'] },
  自然资源: { accepted: ['CQ-ZRZY'] },
  生态环境: { accepted: ['CQ-STHJ'] },
  交通运输: { accepted: ['CQ-JT'] },
  市场监管: { accepted: ['CQ-SCJG'] },
  民政: { accepted: ['CQ-MZ'] },
  农业农村: { accepted: ['CQ-NY'] },
  水务: { accepted: ['CQ-SW', 'CQ-WATER'] },
  文旅: { accepted: ['CQ-WL'] },
  '供电/燃气/热力/通信': { accepted: ['CQ-POWER', 'CQ-GAS', 'CQ-HEAT', 'CQ-TEL'] },
  街道乡镇: { accepted: SUBDISTRICTS },
};
const GROUPS = Object.keys(ACCEPTED);

/** One development message: its text, whether it is a police matter (when known), and the units that count as right. */
interface Row {
  id: string;
  text: string;
  file: 'topic' | 'handled';
  police: boolean | null;
  accepted: string[];
  group: string | null;
}

function read(file: string): Record<string, string>[] {
  return parseCsv(readFileSync(path.join(DATA, file), 'utf8')).rows;
}

/** The half of the development files the duty lists were written without looking at. */
const unseen = (id: string) => half(id) === 'unseen';

function devRows(): Row[] {
  const topics: Row[] = read('topic-dev.csv').map((r) => ({ id: r.id, text: r.text, file: 'topic', police: null, accepted: ACCEPTED[r.label], group: r.label }));
  const handled: Row[] = read('handled-dev.csv').map((r) => ({
    id: r.id,
    text: r.text,
    file: 'handled',
    police: r.police === '1',
    accepted: HANDLERS[r.handler_kind]?.accepted ?? [],
    group: null,
  }));
  return [...topics, ...handled];
}

interface Scored {
  row: Row;
  d: RoutingDecision;
  /** The service would dispatch it by itself. */
  auto: boolean;
}

interface Figures {
  agencyGroupAccuracy: number;
  macroF1: number;
  policePrecision: number;
  policeRecall: number;
  policeF1: number;
  autoShare: number;
  autoAccuracy: number;
  /**
   * The accuracy of the half of all decisions the router is surest of, among those it would
   * dispatch at any threshold (no hold): whether a threshold that sends half out by itself at
   * 0.95 exists, whatever threshold the service derived.
   */
  surestHalfAccuracy: number;
  wrongSidePerThousand: number;
  threshold: number;
}

const right = (s: Scored) => s.d.leadUnitCode !== null && s.row.accepted.includes(s.d.leadUnitCode);

function figures(scored: Scored[], threshold: number): Figures {
  // `threshold` is only reported: each decision already knows whether it was dispatched.
  const topics = scored.filter((s) => s.row.file === 'topic');
  const predictedGroup = (s: Scored) => (right(s) ? s.row.group : (GROUPS.find((g) => s.d.leadUnitCode && ACCEPTED[g].includes(s.d.leadUnitCode)) ?? 'none'));
  const f1s = GROUPS.map((g) => {
    const tp = topics.filter((s) => s.row.group === g && predictedGroup(s) === g).length;
    const fp = topics.filter((s) => s.row.group !== g && predictedGroup(s) === g).length;
    const fn = topics.filter((s) => s.row.group === g && predictedGroup(s) !== g).length;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  const handled = scored.filter((s) => s.row.file === 'handled');
  const tp = handled.filter((s) => s.row.police && s.d.police).length;
  const fp = handled.filter((s) => !s.row.police && s.d.police).length;
  const fn = handled.filter((s) => s.row.police && !s.d.police).length;
  const precision = tp / Math.max(1, tp + fp);
  const recall = tp / Math.max(1, tp + fn);
  const auto = scored.filter((s) => s.auto);
  const judged = auto.filter((s) => s.row.accepted.length);
  // Topic messages are partner matters unless the unit chosen is one their topic accepts (交警 for traffic).
  const wrongSide = auto.filter((s) => (s.row.police === null ? s.d.police && !right(s) : s.d.police !== s.row.police)).length;
  return {
    agencyGroupAccuracy: round(topics.filter(right).length / topics.length),
    macroF1: round(f1s.reduce((a, b) => a + b, 0) / f1s.length),
    policePrecision: round(precision),
    policeRecall: round(recall),
    policeF1: round((2 * precision * recall) / Math.max(1e-9, precision + recall)),
    autoShare: round(auto.length / scored.length),
    autoAccuracy: round(judged.filter(right).length / Math.max(1, judged.length)),
    surestHalfAccuracy: round(surestHalf(scored)),
    wrongSidePerThousand: round((1000 * wrongSide) / scored.length, 1),
    threshold,
  };
}

const compiled = compileKnowledge(knowledge as Knowledge);
const names = new Map(reference.units.map((u) => [u.code, u.name]));
const routerPolicy: RouterPolicy = { minExamplesPerSide: GATE.minExamplesPerSide };
const dispatch: DispatchPolicy = { threshold: THRESHOLD, targetAccuracy: TARGET };

function surestHalf(scored: Scored[]): number {
  const surest = scored
    .filter((s) => s.d.hold === null && s.d.leadUnitCode !== null)
    .sort((a, b) => b.d.confidence - a.d.confidence)
    .slice(0, Math.ceil(scored.length / 2))
    .filter((s) => s.row.accepted.length);
  return surest.filter(right).length / Math.max(1, surest.length);
}

function decide(rows: Row[], model: TextModel | null, threshold: number): Scored[] {
  return rows.map((row) => {
    const d = route({ content: row.text }, compiled, model, { policy: routerPolicy, names });
    return { row, d, auto: dispatchesItself(d, threshold) };
  });
}

/** Trains as the service does; what is in force afterwards is the new model only if its gate let it in. */
function trainAsService(examples: TrainingExample[]): { inForce: TextModel | null; model: TextModel; report: EvaluationReport } {
  const { model, report } = learn({ examples, compiled, active: null, policy: { ...dispatch, ...GATE }, names });
  return { inForce: report.gate.activated ? model : null, model, report };
}

interface Scenario {
  name: string;
  inForce: Figures;
  /** The same with the new model forced active, when its gate kept it out. */
  forced: Figures | null;
  gate: string;
  examples: number;
}

function scenario(name: string, rows: Row[], examples: TrainingExample[]): Scenario & { model: TextModel; inForceModel: TextModel | null; inForceThreshold: number } {
  const { inForce, model, report } = trainAsService(examples);
  const threshold = (m: TextModel | null) => effectiveThreshold(dispatch, m ? report.curve : null);
  return {
    name,
    inForceModel: inForce,
    inForceThreshold: threshold(inForce),
    inForce: figures(decide(rows, inForce, threshold(inForce)), threshold(inForce)),
    forced: inForce ? null : figures(decide(rows, model, threshold(model)), threshold(model)),
    gate: `${report.gate.activated ? 'activated' : 'kept'}: ${report.gate.reasons.join('；')}`,
    examples: examples.length,
    model,
  };
}

/**
 * The service's learned model alone (no duty lists) and the reference learner
 * (bench/reference-learner.ts), both from the partner history less the fifth the service holds
 * back: their accuracy on that fifth (the unit it was taught) and on topic-dev (a unit the topic
 * accepts). The model is scenario 2's, which learned the same examples.
 */
function ceiling(partner: TrainingExample[], rows: Row[], learned: TextModel): Record<'learned' | 'reference', { heldBack: number; topicDev: number }> {
  const { training, heldBack } = splitHeldBack(partner);
  const reference = trainReference(training.map((e) => ({ text: e.text, label: e.unitCode })));
  const topics = rows.filter((r) => r.file === 'topic');
  const score = (predict: (text: string) => string) => ({
    heldBack: round(heldBack.filter((e) => predict(e.text) === e.unitCode).length / heldBack.length),
    topicDev: round(topics.filter((r) => r.accepted.includes(predict(r.text))).length / topics.length),
  });
  const top = (text: string) => highest(learned.predict(text))[0];
  return { learned: score(top), reference: score((text) => reference.predict(text)) };
}

/** Scenario 4: the police messages of handled-dev taught in five folds; every row scored by a model that did not learn it. */
function folded(name: string, rows: Row[], partner: TrainingExample[], handledRaw: Record<string, string>[]): Scenario {
  const foldOf = (i: number) => i % 5;
  const inForce: Scored[] = [];
  const forced: Scored[] = [];
  const gates: string[] = [];
  const thresholds = { inForce: [] as number[], forced: [] as number[] };
  let examples = 0;
  for (let fold = 0; fold < 5; fold++) {
    const taught = handledRaw.filter((r, i) => foldOf(i) !== fold && r.police === '1' && HANDLERS[r.handler_kind]?.taught).map((r) => ({ text: r.text, unitCode: HANDLERS[r.handler_kind].taught! }));
    const { inForce: m, model, report } = trainAsService([...partner, ...taught]);
    examples = Math.max(examples, partner.length + taught.length);
    gates.push(report.gate.activated ? 'activated' : 'kept');
    const scoredRows = rows.filter((_, i) => foldOf(i) === fold);
    const handledIds = new Set(handledRaw.filter((_, i) => foldOf(i) === fold).map((r) => r.id));
    const mine = rows.filter((r) => (r.file === 'handled' ? handledIds.has(r.id) : scoredRows.includes(r)));
    thresholds.inForce.push(effectiveThreshold(dispatch, m ? report.curve : null));
    thresholds.forced.push(effectiveThreshold(dispatch, report.curve));
    inForce.push(...decide(mine, m, thresholds.inForce[fold]));
    forced.push(...decide(mine, model, thresholds.forced[fold]));
  }
  // Each fold's model has its own threshold when it is derived from a target accuracy: the highest is shown.
  return {
    name,
    inForce: figures(inForce, round(Math.max(...thresholds.inForce))),
    forced: gates.every((g) => g === 'activated') ? null : figures(forced, round(Math.max(...thresholds.forced))),
    gate: gates.join(', '),
    examples,
  };
}

/**
 * Decisions per second of CPU time used (one thread, so "on one core"), beside the wall-clock
 * rate and p99 of the same run. A shared machine slows CPU time too (caches, hyperthreads), so
 * jieba's segmentation of the same texts alone is timed in alternating slices of the same run:
 * the ratio of the two holds where the absolute figures do not.
 */
function throughput(model: TextModel | null) {
  const texts = devRows().map((r) => r.text);
  const latencies: number[] = [];
  const cpu = { route: 0, segment: 0 };
  const count = { route: 0, segment: 0 };
  const started = process.hrtime.bigint();
  let wallRouting = 0n;
  const cpuSince = (c0: NodeJS.CpuUsage) => {
    const c = process.cpuUsage(c0);
    return c.user + c.system;
  };
  while (Number(process.hrtime.bigint() - started) < 6e9) {
    let c0 = process.cpuUsage();
    const slice0 = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) {
      const t0 = process.hrtime.bigint();
      route({ content: texts[count.route % texts.length], address: '长清区文昌街道' }, compiled, model, { policy: routerPolicy, names });
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      count.route++;
    }
    wallRouting += process.hrtime.bigint() - slice0;
    cpu.route += cpuSince(c0);
    c0 = process.cpuUsage();
    for (let i = 0; i < 200; i++) tokenize(` ${texts[count.segment++ % texts.length]}`);
    cpu.segment += cpuSince(c0);
  }
  latencies.sort((a, b) => a - b);
  return {
    ordersPerCpuSecond: Math.round(count.route / (cpu.route / 1e6)),
    ordersPerSecond: Math.round(count.route / (Number(wallRouting) / 1e9)),
    p99Ms: round(percentile(latencies, 99), 3),
    segmentationsPerCpuSecond: Math.round(count.segment / (cpu.segment / 1e6)),
    /** CPU time of a decision over that of segmenting its text alone. */
    decisionOverSegmentation: round(cpu.route / count.route / (cpu.segment / count.segment), 2),
  };
}

/**
 * ROUTING_DECISIONS=file: the partner-history model's decisions on the development files (side
 * and lead unit per message) are compared with those in the file, and written there when it does
 * not exist: a change meant to make routing faster must leave every decision as it was.
 */
function sameDecisions(rows: Row[], model: TextModel): string | null {
  const file = process.env.ROUTING_DECISIONS;
  if (!file) return null;
  const now = decide(rows, model, THRESHOLD).map((s) => `${s.row.file}:${s.row.id}\t${s.d.police ? 'police' : 'partner'}\t${s.d.leadUnitCode}\t${s.d.confidence}`);
  if (!existsSync(file)) {
    writeFileSync(file, now.join('\n') + '\n');
    return `decisions of ${now.length} messages written to ${file}`;
  }
  const before = readFileSync(file, 'utf8').trimEnd().split('\n');
  const changed = now.filter((d, i) => d !== before[i]);
  if (changed.length || before.length !== now.length) {
    process.stderr.write(`decisions changed (${changed.length} of ${now.length}), first: ${changed.slice(0, 5).join(' | ')}\n`);
    process.exitCode = 1;
  }
  return `decisions compared with ${file}: ${changed.length} of ${now.length} changed`;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

function line(label: string, f: Figures): string {
  return [
    `  ${label}`,
    `    agency-group accuracy ${f.agencyGroupAccuracy}   macro-F1 ${f.macroF1}`,
    `    police precision ${f.policePrecision}   recall ${f.policeRecall}   F1 ${f.policeF1}`,
    `    dispatched automatically ${f.autoShare} (threshold ${f.threshold}), their accuracy ${f.autoAccuracy}; the surest half's accuracy ${f.surestHalfAccuracy}`,
    `    wrong-side automatic dispatches ${f.wrongSidePerThousand} per 1,000`,
  ].join('\n');
}

function main(): void {
  if (!existsSync(path.join(DATA, 'topic-dev.csv'))) {
    process.stdout.write(`bench:routing: no labelled data at ${DATA} (see ../shared/data/README.md); skipped\n`);
    return;
  }
  const rows = devRows();
  const partner = read('topic-train-segmented.csv').map((r) => ({ text: r.text_segmented.replace(/\s+/g, ''), unitCode: ACCEPTED[r.label][0] }));
  // The demo's closed station orders: what a centre's own police history adds at first.
  const stations: TrainingExample[] = [];
  HISTORY_STATIONS.forEach((_, s) => {
    for (let i = 0; i < 5 + (s % 4); i++) stations.push({ text: HISTORY_MATTERS[(s + i) % HISTORY_MATTERS.length].content, unitCode: knowledge.stationMatters[0] });
  });
  const handledRaw = read('handled-dev.csv');

  const cold = figures(decide(rows, null, THRESHOLD), THRESHOLD);
  const coldSeen = figures(decide(rows.filter((r) => !unseen(r.id)), null, THRESHOLD), THRESHOLD);
  const coldUnseen = figures(decide(rows.filter((r) => unseen(r.id)), null, THRESHOLD), THRESHOLD);
  const started = Date.now();
  const partnerOnly = scenario('2. partner history only', rows, partner);
  const trainSeconds = (Date.now() - started) / 1000;
  const withStations = scenario(`3. partner history + ${stations.length} demo station orders`, rows, [...partner, ...stations]);
  const withHandled = folded('4. partner history + handled-dev police messages as the centre\'s own dispatches (5 folds)', rows, partner, handledRaw);
  const compared = sameDecisions(rows, partnerOnly.model);
  const speed = throughput(partnerOnly.model);
  // The trained router on the half the duty lists were written without: the model in force after scenario 2.
  const unseenRows = rows.filter((r) => unseen(r.id));
  const partnerThreshold = partnerOnly.inForceThreshold;
  const trainedUnseen = figures(decide(unseenRows, partnerOnly.inForceModel, partnerThreshold), partnerThreshold);
  const limits = ceiling(partner, rows, partnerOnly.model);

  const out: string[] = [
    `threshold ${THRESHOLD}${TARGET ? `, target accuracy ${TARGET}` : ''}; gate: ${GATE.minExamplesPerSide} examples per side, ${GATE.minExamplesPerUnit} per unit`,
    `topic-dev ${rows.filter((r) => r.file === 'topic').length} + handled-dev ${rows.filter((r) => r.file === 'handled').length} messages`,
    '1. cold start (duty lists only)',
    line('all', cold),
    line(`half seen while writing the duty lists (${rows.filter((r) => !unseen(r.id)).length})`, coldSeen),
    line(`half not seen (${rows.filter((r) => unseen(r.id)).length})`, coldUnseen),
  ];
  for (const s of [partnerOnly, withStations, withHandled]) {
    out.push(`${s.name} (${s.examples} examples; model ${s.gate})`);
    out.push(line('in force afterwards', s.inForce));
    if (s.forced) out.push(line('the new model forced active', s.forced));
    if (s === partnerOnly) out.push(line(`in force afterwards, on the half not seen while writing the duty lists (${unseenRows.length})`, trainedUnseen));
  }
  out.push(
    'where the ceiling is: learners of words on the partner history less the fifth the service holds back, scored on that fifth and on topic-dev',
    `  the service's learned model alone (scenario 2's, no duty lists): held-back fifth ${limits.learned.heldBack}, topic-dev ${limits.learned.topicDev}`,
    `  a reference linear SVM over TF-IDF of words and character pairs (bench/reference-learner.ts): held-back fifth ${limits.reference.heldBack}, topic-dev ${limits.reference.topicDev}`,
  );
  const spoken = (model: TextModel | null) => ({
    first: spokenFigures(SPOKEN.first.map((t) => [t, true]), compiled, model, routerPolicy, THRESHOLD),
    later: spokenFigures(SPOKEN.later, compiled, model, routerPolicy, THRESHOLD),
  });
  const spokenCold = spoken(null);
  const spokenTrained = spoken(partnerOnly.model);
  const spokenStations = spoken(withStations.model);
  out.push(
    'matters as citizens say them on the phone (bench/spoken.ts; "later" was written before the terms that serve it)',
    spokenLine('cold start, first set', spokenCold.first),
    spokenLine('cold start, later set', spokenCold.later),
    spokenLine('partner history, first set', spokenTrained.first),
    spokenLine('partner history, later set', spokenTrained.later),
    spokenLine('+ demo station orders, first set', spokenStations.first),
    spokenLine('+ demo station orders, later set', spokenStations.later),
  );
  out.push(`training on ${partner.length} messages: ${trainSeconds.toFixed(1)} s with its evaluation`);
  out.push(
    `throughput on one core (partner-history model): ${speed.ordersPerCpuSecond} decisions per CPU-second; wall clock ${speed.ordersPerSecond}/s, p99 ${speed.p99Ms} ms (the wall figures suffer when the machine is busy)`,
    `  in the same run, jieba segmentation of the same texts alone: ${speed.segmentationsPerCpuSecond} per CPU-second; a decision costs ${speed.decisionOverSegmentation} segmentations`,
  );
  if (compared) out.push(compared);
  process.stdout.write(out.join('\n') + '\n');
  process.stdout.write(
    `BENCH_RESULT ${JSON.stringify({ threshold: THRESHOLD, target: TARGET, gate: GATE, cold, coldSeen, coldUnseen, trainedUnseen, ceiling: limits, scenarios: [partnerOnly, withStations, withHandled].map(({ name, inForce, forced, gate }) => ({ name, inForce, forced, gate })), spoken: { cold: spokenCold, partnerHistory: spokenTrained, withStations: spokenStations }, ...speed })}\n`,
  );
}

main();
