import referenceExamples from './data/reference-examples.json';
import { evaluate, splitHeldBack, type EvaluationInput, type EvaluationReport } from './evaluation';
import { countLabels, train, type TextModel, type TrainingExample } from './model';
import { routingFeatures, type CompiledKnowledge } from './router';

/** The reference examples every training run is also judged on (domain.md §5). */
export const REFERENCE_EXAMPLES: readonly TrainingExample[] = [...referenceExamples.police, ...referenceExamples.partner];

export interface LearningInput {
  examples: readonly TrainingExample[];
  compiled: CompiledKnowledge;
  /** The model in force, or null for the duty lists alone. */
  active: TextModel | null;
  policy: EvaluationInput['policy'];
  names?: ReadonlyMap<string, string>;
}

/**
 * One training run as the service does it: hold back a fixed fifth, learn units and police or
 * not from the rest, judge the new model against the one in force on the held-back fifth and the
 * reference examples, and calibrate it. The caller activates it only when `report.gate.activated`.
 */
export function learn({ examples, compiled, active, policy, names }: LearningInput): { model: TextModel; report: EvaluationReport } {
  const isPolice = (unit: string) => unit in compiled.knowledge.police;
  const sided = examples.map((e) => ({ ...e, police: isPolice(e.unitCode) }));
  const { training, heldBack } = splitHeldBack(sided);
  // A unit with too few examples is left to the duty lists, not learned from a handful (its
  // examples still teach police or not); when fewer than two units have enough, the model learns
  // them all, and the gate keeps it for an administrator.
  const examplesPerUnit = countLabels(training);
  const enough = new Set(Object.keys(examplesPerUnit).filter((unit) => examplesPerUnit[unit] >= policy.minExamplesPerUnit));
  const candidate = train(training, {
    features: (text) => routingFeatures(text, compiled),
    isPolice,
    learnsUnit: enough.size >= 2 ? (unit) => enough.has(unit) : undefined,
  });
  const { report, calibration } = evaluate({
    compiled,
    candidate,
    baseline: active,
    heldBack,
    reference: REFERENCE_EXAMPLES.map((e) => ({ ...e, police: isPolice(e.unitCode) })),
    examplesPerUnit,
    policy,
    names,
  });
  return { model: candidate.withCalibration(calibration), report };
}
