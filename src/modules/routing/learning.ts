import referenceExamples from './data/reference-examples.json';
import { evaluate, splitHeldBack, type EvaluationInput, type EvaluationReport } from './evaluation';
import { train, type TextModel, type TrainingExample } from './model';
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
  const candidate = train(training, { features: (text) => routingFeatures(text, compiled), isPolice });
  const { report, calibration } = evaluate({
    compiled,
    candidate,
    baseline: active,
    heldBack,
    reference: REFERENCE_EXAMPLES.map((e) => ({ ...e, police: isPolice(e.unitCode) })),
    examplesPerUnit: candidate.data.examples ?? {},
    policy,
    names,
  });
  return { model: candidate.withCalibration(calibration), report };
}
