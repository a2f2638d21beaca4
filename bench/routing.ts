import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import knowledge from '../src/modules/routing/data/knowledge.json';
import { parseCsv } from '../src/modules/routing/csv';
import { train, type TextModel } from '../src/modules/routing/model';
import { compileKnowledge, route, routingFeatures, type Knowledge, type RoutingDecision } from '../src/modules/routing/router';
import { SETTINGS } from '../src/modules/settings/settings.catalogue';
import { percentile } from './support';

/**
 * npm run bench:routing — the router on the labelled messages of ../shared/data (see its
 * README; never copied into the project): agency-group accuracy and macro-F1, police
 * precision and recall, the share left to triage and the accuracy of the rest, at cold start
 * (duty lists only) and after training; then routing throughput on one core.
 */
const DATA = path.resolve(process.cwd(), process.env.ROUTING_DATA ?? '../shared/data');
/** The service's own auto-dispatch threshold unless ROUTING_THRESHOLD says otherwise. */
const THRESHOLD = Number(process.env.ROUTING_THRESHOLD ?? SETTINGS['routing.autoDispatchThreshold'].default);

/** The units that count as a correct lead for each topic label (data README). */
const ACCEPTED: Record<string, string[]> = {
  城乡建设: ['CQ-ZJ', 'CQ-CG', 'CQ-ZRZY', 'CQ-SW', 'CQ-SD-WENCHANG', 'CQ-SD-GUYUNHU', 'CQ-SD-PINGAN', 'CQ-SD-WUFENGSHAN', 'CQ-SD-GUIDE', 'CQ-SD-ZHANGXIA', 'CQ-SD-WANDE', 'CQ-SD-XIAOLI', 'CQ-SD-MASHAN', 'CQ-SD-SHUANGQUAN'],
  环境保护: ['CQ-STHJ', 'CQ-CG'],
  交通运输: ['CQ-JT', 'CQ-JJ'],
  教育文体: ['CQ-EDU', 'CQ-WL'],
  劳动和社会保障: ['CQ-RS', 'CQ-YB', 'CQ-MZ'],
  商贸旅游: ['CQ-SCJG', 'CQ-SWJ', 'CQ-WL', 'CQ-FG'],
  卫生计生: ['CQ-WJ', 'CQ-YB'],
};
const GROUPS = Object.keys(ACCEPTED);

function read(file: string): Record<string, string>[] {
  return parseCsv(readFileSync(path.join(DATA, file), 'utf8')).rows;
}

function evaluate(name: string, model: TextModel | null) {
  const compiled = compileKnowledge(knowledge as Knowledge);
  const topics = read('topic-dev.csv');
  const decisions = topics.map((r) => ({ truth: r.label, d: route({ content: r.text }, compiled, model) }));
  const correct = (truth: string, d: RoutingDecision) => d.leadUnitCode !== null && ACCEPTED[truth]?.includes(d.leadUnitCode);
  const predictedGroup = (truth: string, d: RoutingDecision) =>
    correct(truth, d) ? truth : (GROUPS.find((g) => d.leadUnitCode && ACCEPTED[g].includes(d.leadUnitCode)) ?? 'none');
  const accuracy = decisions.filter((x) => correct(x.truth, x.d)).length / decisions.length;
  const f1s = GROUPS.map((g) => {
    const tp = decisions.filter((x) => x.truth === g && predictedGroup(x.truth, x.d) === g).length;
    const fp = decisions.filter((x) => x.truth !== g && predictedGroup(x.truth, x.d) === g).length;
    const fn = decisions.filter((x) => x.truth === g && predictedGroup(x.truth, x.d) !== g).length;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  const confident = decisions.filter((x) => x.d.confidence >= THRESHOLD);
  const confidentAccuracy = confident.filter((x) => correct(x.truth, x.d)).length / Math.max(1, confident.length);

  const handled = read('handled-dev.csv');
  const police = handled.map((r) => ({ truth: r.police === '1', d: route({ content: r.text }, compiled, model) }));
  const tp = police.filter((x) => x.truth && x.d.police).length;
  const fp = police.filter((x) => !x.truth && x.d.police).length;
  const fn = police.filter((x) => x.truth && !x.d.police).length;
  const precision = tp / Math.max(1, tp + fp);
  const recall = tp / Math.max(1, tp + fn);
  return {
    name,
    agencyGroupAccuracy: round(accuracy),
    macroF1: round(f1s.reduce((a, b) => a + b, 0) / f1s.length),
    policePrecision: round(precision),
    policeRecall: round(recall),
    policeF1: round((2 * precision * recall) / Math.max(1e-9, precision + recall)),
    triageShare: round(1 - confident.length / decisions.length),
    accuracyOfAutoRouted: round(confidentAccuracy),
  };
}

/**
 * How far the learned model goes by itself: its top label on topic-dev, and on every tenth
 * message of the training file when trained on the other nine (the same kind of text it learns from).
 */
function modelAlone(examples: { text: string; unitCode: string }[], model: TextModel, features: (text: string) => string[]) {
  const top = (m: TextModel, tokens: string[]) => [...m.predictTokens(tokens)].sort((a, b) => b[1] - a[1])[0][0];
  const dev = read('topic-dev.csv');
  const devAccuracy = dev.filter((r) => ACCEPTED[r.label][0] === top(model, features(r.text))).length / dev.length;
  const heldBack = examples.filter((_, i) => i % 10 === 0);
  const partial = train(examples.filter((_, i) => i % 10 !== 0), { features });
  const heldBackAccuracy = heldBack.filter((e) => e.unitCode === top(partial, features(e.text))).length / heldBack.length;
  return { dev: round(devAccuracy), heldBack: round(heldBackAccuracy) };
}

function throughput(model: TextModel | null) {
  const compiled = compileKnowledge(knowledge as Knowledge);
  const texts = read('topic-dev.csv').map((r) => r.text);
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  let n = 0;
  while (Number(process.hrtime.bigint() - started) < 3e9) {
    const t0 = process.hrtime.bigint();
    route({ content: texts[n % texts.length], address: '长清区文昌街道' }, compiled, model);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    n++;
  }
  latencies.sort((a, b) => a - b);
  return { ordersPerSecond: Math.round(n / 3), p99Ms: round(percentile(latencies, 99), 3) };
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

function main(): void {
  if (!existsSync(path.join(DATA, 'topic-dev.csv'))) {
    process.stdout.write(`bench:routing: no labelled data at ${DATA} (see ../shared/data/README.md); skipped\n`);
    return;
  }
  const cold = evaluate('cold start (duty lists only)', null);
  const trainStarted = Date.now();
  const examples = read('topic-train-segmented.csv').map((r) => ({ text: r.text_segmented, unitCode: ACCEPTED[r.label][0] }));
  const compiled = compileKnowledge(knowledge as Knowledge);
  const features = (text: string) => routingFeatures(text, compiled);
  const model = train(examples, { features });
  const trainSeconds = (Date.now() - trainStarted) / 1000;
  const trained = evaluate(`after training on ${examples.length} messages (${trainSeconds.toFixed(1)} s, fitted temperature ${model.data.temperature})`, model);
  const ceiling = modelAlone(examples, model, features);
  const speed = throughput(model);
  for (const r of [cold, trained]) {
    process.stdout.write(
      [
        `${r.name}`,
        `  agency group accuracy ${r.agencyGroupAccuracy}   macro-F1 ${r.macroF1}   (topic-dev, 494 messages)`,
        `  police precision ${r.policePrecision}   recall ${r.policeRecall}   F1 ${r.policeF1}   (handled-dev, 148 messages)`,
        `  to triage (confidence < ${THRESHOLD}) ${r.triageShare}   accuracy of the rest ${r.accuracyOfAutoRouted}`,
        '',
      ].join('\n'),
    );
  }
  process.stdout.write(
    `the learned model alone (top label): ${ceiling.dev} on topic-dev; ${ceiling.heldBack} on a held-back tenth of the training file when trained on the rest\n`,
  );
  process.stdout.write(`throughput on one core: ${speed.ordersPerSecond} orders/s, p99 ${speed.p99Ms} ms per order\n`);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ cold, trained, modelAlone: ceiling, ...speed, threshold: THRESHOLD })}\n`);
}

main();
