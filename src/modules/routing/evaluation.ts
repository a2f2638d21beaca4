import { createHash } from 'node:crypto';
import { applyCalibration, type Calibration, type TextModel, type TrainingExample } from './model';
import { route, type CompiledKnowledge, type RouteOptions, type RoutingDecision } from './router';

/**
 * How a model would route examples it never learned from, and whether it has earned activation
 * (issue: "a model earns activation"). Pure: examples, knowledge and models in, figures out.
 */

/** An example with its side: the unit it went to, and whether that unit is a police unit. */
export interface SidedExample extends TrainingExample {
  police: boolean;
}

/** How auto-dispatch is decided: a fixed confidence threshold, or the accuracy the centre wants from it. */
export interface DispatchPolicy {
  threshold: number;
  /** Set: the threshold is derived from a model's held-back curve so that what it dispatches is right this often. */
  targetAccuracy: number | null;
}

export interface Metrics {
  examples: number;
  police: number;
  /** The unit chosen is the example's unit. */
  accuracy: number | null;
  policeRecall: number | null;
  policePrecision: number | null;
  /** The threshold these figures were taken at. */
  threshold: number;
  autoShare: number;
  autoAccuracy: number | null;
  /** Dispatched automatically to the wrong side: a police matter to a partner agency, or the reverse. */
  wrongSideAuto: number;
  wrongSidePerThousand: number;
}

export interface ReliabilityRow {
  from: number;
  to: number;
  decisions: number;
  meanConfidence: number | null;
  accuracy: number | null;
}

/** At each threshold, what would be dispatched and how often rightly: where the centre's target accuracy is met. */
export interface CurvePoint {
  threshold: number;
  dispatched: number;
  share: number;
  accuracy: number | null;
}

export interface Gate {
  activated: boolean;
  /** Why, in Chinese, one line each. */
  reasons: string[];
  /** Units with fewer examples than routing.minExamplesPerUnit. */
  unitsBelowMinimum: { unitCode: string; examples: number }[];
  /** Whether the model left those units to the duty lists (it learned the others); false when it learned them, and so could not activate by itself. */
  leftToDutyLists: boolean;
}

export interface EvaluationReport {
  heldBack: { examples: number; police: number; partner: number; referenceExamples: number };
  /** What the new model would do on the held-back and reference examples. */
  candidate: Metrics;
  /** The same for what is in force now: the active model, or the duty lists alone. */
  baseline: Metrics & { modelVersion: string | null };
  /** The reference core police examples the new model keeps police, of all. */
  corePolice: { kept: number; total: number; lost: string[] };
  reliability: ReliabilityRow[];
  curve: CurvePoint[];
  gate: Gate;
  policy: DispatchPolicy & { minExamplesPerSide: number; minExamplesPerUnit: number };
}

/** Examples whose text hashes into this fifth are held back from training. */
const HELD_BACK_SHARE = 5;
/** Fewer examples than this are all learned from; the reference examples alone judge such a model. */
const MIN_EXAMPLES_TO_HOLD_BACK = 100;
/** A threshold is trusted only when this many held-back decisions stand above it. */
const MIN_CURVE_SUPPORT = 20;
/** Calibration needs this many held-back decisions, in bins of at least this many. */
const MIN_CALIBRATION_POINTS = 30;
const CALIBRATION_BIN = 25;

/**
 * Which examples are held back: a fixed fifth chosen by the text's hash, so that every training
 * run holds back the same messages and the model in force never learned the ones the next is judged on.
 */
export function splitHeldBack<T extends { text: string }>(examples: readonly T[]): { training: T[]; heldBack: T[] } {
  if (examples.length < MIN_EXAMPLES_TO_HOLD_BACK) return { training: [...examples], heldBack: [] };
  const training: T[] = [];
  const heldBack: T[] = [];
  for (const e of examples) (createHash('sha1').update(e.text).digest()[0] % HELD_BACK_SHARE === 0 ? heldBack : training).push(e);
  return { training, heldBack };
}

/** Whether the service would dispatch this decision by itself. */
export function dispatchesItself(d: RoutingDecision, threshold: number): boolean {
  return d.leadUnitCode !== null && d.hold === null && d.confidence >= threshold;
}

/** The decision names the example's unit (before or after the address picks a station or an office). */
export function isRight(d: RoutingDecision, e: TrainingExample): boolean {
  return d.matterUnitCode === e.unitCode || d.leadUnitCode === e.unitCode;
}

interface Scored {
  example: SidedExample;
  decision: RoutingDecision;
  /** Reference examples count for police or not only. */
  reference: boolean;
}

function score(examples: readonly SidedExample[], reference: readonly SidedExample[], compiled: CompiledKnowledge, model: TextModel | null, options: RouteOptions): Scored[] {
  const decide = (e: SidedExample) => route({ content: e.text }, compiled, model, options);
  return [...examples.map((e) => ({ example: e, decision: decide(e), reference: false })), ...reference.map((e) => ({ example: e, decision: decide(e), reference: true }))];
}

const ratio = (a: number, b: number) => (b ? Number((a / b).toFixed(4)) : null);

export function metrics(scored: readonly Scored[], threshold: number): Metrics {
  const own = scored.filter((s) => !s.reference);
  const police = scored.filter((s) => s.example.police);
  const saidPolice = scored.filter((s) => s.decision.police);
  const auto = own.filter((s) => dispatchesItself(s.decision, threshold));
  const wrongSide = scored.filter((s) => dispatchesItself(s.decision, threshold) && s.decision.police !== s.example.police).length;
  return {
    examples: scored.length,
    police: police.length,
    accuracy: ratio(own.filter((s) => isRight(s.decision, s.example)).length, own.length),
    policeRecall: ratio(police.filter((s) => s.decision.police).length, police.length),
    policePrecision: ratio(saidPolice.filter((s) => s.example.police).length, saidPolice.length),
    threshold,
    autoShare: ratio(auto.length, own.length) ?? 0,
    autoAccuracy: ratio(auto.filter((s) => isRight(s.decision, s.example)).length, auto.length),
    wrongSideAuto: wrongSide,
    wrongSidePerThousand: Number(((1000 * wrongSide) / Math.max(1, scored.length)).toFixed(2)),
  };
}

/**
 * Histogram binning with a pull toward the raw value (two pseudo-decisions per bin), made
 * monotone by pooling adjacent violators: confidence c then means "right about c of the time"
 * on examples like the held-back ones. Undefined when there are too few to say.
 */
export function fitCalibration(points: readonly { raw: number; right: boolean }[]): Calibration | undefined {
  if (points.length < MIN_CALIBRATION_POINTS) return undefined;
  const sorted = [...points].sort((a, b) => a.raw - b.raw);
  const bins: { from: number; n: number; value: number }[] = [];
  for (let i = 0; i < sorted.length; i += CALIBRATION_BIN) {
    let chunk = sorted.slice(i, i + CALIBRATION_BIN);
    if (chunk.length < CALIBRATION_BIN / 2 && bins.length) {
      // A short last bin joins the one before.
      const last = bins.pop()!;
      chunk = sorted.slice(i - last.n, i + CALIBRATION_BIN);
    }
    const right = chunk.filter((p) => p.right).length;
    const meanRaw = chunk.reduce((s, p) => s + p.raw, 0) / chunk.length;
    bins.push({ from: chunk[0].raw, n: chunk.length, value: (right + 2 * meanRaw) / (chunk.length + 2) });
  }
  // Pool adjacent violators: a higher raw confidence never means a lower calibrated one.
  const pooled: { from: number; n: number; value: number }[] = [];
  for (const b of bins) {
    pooled.push({ ...b });
    while (pooled.length > 1 && pooled[pooled.length - 2].value > pooled[pooled.length - 1].value) {
      const top = pooled.pop()!;
      const below = pooled.pop()!;
      pooled.push({ from: below.from, n: below.n + top.n, value: (below.value * below.n + top.value * top.n) / (below.n + top.n) });
    }
  }
  return { from: pooled.map((b) => Number(b.from.toFixed(4))), to: pooled.map((b) => Number(b.value.toFixed(4))) };
}

export function reliability(scored: readonly Scored[]): ReliabilityRow[] {
  const own = scored.filter((s) => !s.reference);
  return Array.from({ length: 10 }, (_, i) => {
    const inBand = own.filter((s) => Math.min(9, Math.floor(s.decision.confidence * 10)) === i);
    return {
      from: i / 10,
      to: (i + 1) / 10,
      decisions: inBand.length,
      meanConfidence: inBand.length ? Number((inBand.reduce((sum, s) => sum + s.decision.confidence, 0) / inBand.length).toFixed(3)) : null,
      accuracy: ratio(inBand.filter((s) => isRight(s.decision, s.example)).length, inBand.length),
    };
  });
}

export function curve(scored: readonly Scored[]): CurvePoint[] {
  const own = scored.filter((s) => !s.reference);
  return Array.from({ length: 101 }, (_, i) => {
    const threshold = i / 100;
    const auto = own.filter((s) => dispatchesItself(s.decision, threshold));
    return { threshold, dispatched: auto.length, share: ratio(auto.length, own.length) ?? 0, accuracy: ratio(auto.filter((s) => isRight(s.decision, s.example)).length, auto.length) };
  });
}

/**
 * The lowest threshold at which what would be dispatched is right at least `target` of the time,
 * on enough held-back decisions to say so; null when none is (then nothing is sure enough).
 */
export function thresholdFor(points: readonly CurvePoint[], target: number): CurvePoint | null {
  return [...points].sort((a, b) => a.threshold - b.threshold).find((p) => p.dispatched >= MIN_CURVE_SUPPORT && p.accuracy !== null && p.accuracy >= target) ?? null;
}

/** Above any confidence: nothing is dispatched by itself. */
export const NEVER = 1.01;

export function effectiveThreshold(policy: DispatchPolicy, points: readonly CurvePoint[] | null | undefined): number {
  if (policy.targetAccuracy === null || !points) return policy.threshold;
  return thresholdFor(points, policy.targetAccuracy)?.threshold ?? NEVER;
}

export interface EvaluationInput {
  compiled: CompiledKnowledge;
  candidate: TextModel;
  baseline: TextModel | null;
  heldBack: readonly SidedExample[];
  reference: readonly SidedExample[];
  /** Examples of each unit in what the candidate was trained on (the held-back fifth excluded). */
  examplesPerUnit: Record<string, number>;
  policy: DispatchPolicy & { minExamplesPerSide: number; minExamplesPerUnit: number };
  names?: ReadonlyMap<string, string>;
}

/**
 * Evaluates a new model against what is in force, on the same held-back and reference examples,
 * calibrates it, and decides whether it activates by itself: no worse on police recall and on
 * wrong-side automatic dispatches, and enough examples of every unit it learned.
 */
export function evaluate(input: EvaluationInput): { report: EvaluationReport; calibration: Calibration | undefined } {
  const { compiled, candidate, baseline, heldBack, reference, policy } = input;
  const options: RouteOptions = { policy: { minExamplesPerSide: policy.minExamplesPerSide }, names: input.names };
  // The candidate routes with its raw confidence here (one copy, sharing the word tables); calibrations are applied below.
  const uncalibrated = candidate.data.calibration ? candidate.withCalibration(undefined) : candidate;
  const raw = score(heldBack, reference, compiled, uncalibrated, options);

  // Calibrated confidences for the report come from cross-fitting: each half calibrated on the other.
  const points = raw.filter((s) => !s.reference).map((s) => ({ raw: s.decision.evidence.rawConfidence, right: isRight(s.decision, s.example), s }));
  const halves = [points.filter((_, i) => i % 2 === 0), points.filter((_, i) => i % 2 === 1)];
  const crossFitted = new Map<Scored, number>();
  halves.forEach((half, i) => {
    const fitted = fitCalibration(halves[1 - i]);
    for (const p of half) crossFitted.set(p.s, fitted && p.s.decision.evidence.model ? applyCalibration(fitted, p.raw) : p.s.decision.confidence);
  });
  const calibratedScores = raw.map((s) => (crossFitted.has(s) ? { ...s, decision: { ...s.decision, confidence: crossFitted.get(s)! } } : s));
  const candidateCurve = curve(calibratedScores);
  const candidateMetrics = metrics(calibratedScores, effectiveThreshold(policy, candidateCurve));

  const baselineScores = score(heldBack, reference, compiled, baseline, options);
  const baselineMetrics = metrics(baselineScores, effectiveThreshold(policy, baseline ? curve(baselineScores) : null));

  const lost = raw.filter((s) => s.reference && s.example.police && !s.decision.police).map((s) => s.example.text);
  const corePolice = { kept: reference.filter((e) => e.police).length - lost.length, total: reference.filter((e) => e.police).length, lost };

  const unitsBelowMinimum = Object.entries(input.examplesPerUnit)
    .filter(([, n]) => n < policy.minExamplesPerUnit)
    .map(([unitCode, examples]) => ({ unitCode, examples }))
    .sort((a, b) => a.unitCode.localeCompare(b.unitCode));
  const reasons: string[] = [];
  const recallOk = (candidateMetrics.policeRecall ?? 1) >= (baselineMetrics.policeRecall ?? 1);
  const wrongSideOk = candidateMetrics.wrongSidePerThousand <= baselineMetrics.wrongSidePerThousand;
  const name = (unit: string) => input.names?.get(unit) ?? unit;
  const against = baseline ? `现用模型 ${baseline.version}` : '仅用职责清单';
  reasons.push(`涉警召回率 ${candidateMetrics.policeRecall ?? '—'}，${against} ${baselineMetrics.policeRecall ?? '—'}：${recallOk ? '不低于' : '低于'}现状`);
  reasons.push(`错派到另一侧的自动派单每千件 ${candidateMetrics.wrongSidePerThousand}，${against} ${baselineMetrics.wrongSidePerThousand}：${wrongSideOk ? '不多于' : '多于'}现状`);
  if (lost.length) reasons.push(`核心警情参考样例有 ${lost.length} 件被判为非警务`);
  const belowMinimum = unitsBelowMinimum.map((u) => `${name(u.unitCode)} ${u.examples} 条`).join('、');
  // The candidate left those units to the duty lists, rather than learning them (it does when at least two units have enough).
  const leftToDutyLists = (candidate.data.leftToDutyLists?.length ?? 0) > 0;
  if (leftToDutyLists) reasons.push(`样本不足 ${policy.minExamplesPerUnit} 条的单位暂不由模型学习，仍按职责清单分派：${belowMinimum}`);
  else if (unitsBelowMinimum.length) reasons.push(`样本不足（每个单位至少 ${policy.minExamplesPerUnit} 条）：${belowMinimum}`);
  const activated = recallOk && wrongSideOk && !lost.length && (!unitsBelowMinimum.length || leftToDutyLists);
  reasons.unshift(activated ? '新模型不劣于现状，自动启用' : '新模型未自动启用，留待管理员审阅后手动启用');

  const calibration = fitCalibration(points);
  return {
    calibration,
    report: {
      heldBack: { examples: heldBack.length, police: heldBack.filter((e) => e.police).length, partner: heldBack.filter((e) => !e.police).length, referenceExamples: reference.length },
      candidate: candidateMetrics,
      baseline: { ...baselineMetrics, modelVersion: baseline?.version ?? null },
      corePolice,
      reliability: reliability(calibratedScores),
      curve: candidateCurve,
      gate: { activated, reasons, unitsBelowMinimum, leftToDutyLists },
      policy,
    },
  };
}
