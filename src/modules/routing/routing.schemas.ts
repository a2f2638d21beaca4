import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../schemas/common';
import { UnitCode } from '../directory/directory.schemas';
import { MODEL_ACTIONS, ROUTING_OUTCOMES } from './routing-decision.entity';

const HOLD_REASONS = ['side_disagreement', 'core_police_to_partner', 'side_unknown'] as const;

export const Evidence = Type.Object(
  {
    terms: Type.Array(Type.Object({ term: Type.String(), unitCode: Type.String(), weight: Type.Number(), police: Type.Boolean(), core: Type.Boolean() }), {
      description: 'The duty terms found, once each (unitCode @subdistrict: community matters)',
    }),
    side: Type.Object({
      decidedBy: Type.Union([Type.Literal('rules'), Type.Literal('model'), Type.Literal('rules_and_model'), Type.Literal('default')]),
      policeScore: Type.Number(),
      partnerScore: Type.Number(),
      model: Nullable(Type.Object({ policeProbability: Type.Number() }), { description: 'The learned police-or-not vote, when the model has learned enough of each side' }),
      agree: Nullable(Type.Boolean()),
    }),
    model: Nullable(Type.Object({ unitCode: Type.String(), probability: Type.Number(), words: Type.Array(Type.String()) })),
    place: Nullable(Type.Object({ place: Type.String(), unitCode: Type.String() })),
    rawConfidence: Type.Number({ description: 'Before calibration' }),
    hold: Nullable(Type.Union(HOLD_REASONS.map((r) => Type.Literal(r)))),
  },
  { description: 'What the decision rests on, for machines' },
);

export const Decision = Type.Object({
  police: Type.Boolean({ description: '涉警: a police matter handled inside the bureau; decided before the unit' }),
  policeProbability: Type.Number(),
  leadUnitCode: Nullable(Type.String()),
  leadUnitName: Nullable(Type.String()),
  matterUnitCode: Nullable(Type.String({ description: 'The unit whose matter it is, before the address picks a station or a sub-district office' })),
  assistingUnitCodes: Type.Array(Type.String()),
  confidence: Type.Number({ description: '0 to 1; calibrated on held-back examples once a model is active' }),
  hold: Nullable(Type.Union(HOLD_REASONS.map((r) => Type.Literal(r)), {
    description: 'The order waits for an operator whatever its confidence: the duty lists and the learned model disagree on police or not, or a core police term would go to a partner agency',
  })),
  alternatives: Type.Array(Type.Object({ unitCode: Type.String(), score: Type.Number() })),
  reasons: Type.Array(Type.String(), { description: 'In Chinese, for operators: which duty terms, which place, what the learned model said' }),
  evidence: Type.Optional(Evidence),
  knowledgeVersion: Type.String(),
  modelVersion: Nullable(Type.String()),
});

export const TriageItem = Type.Object({
  workOrderId: Type.String({ format: 'uuid' }),
  externalNo: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  requestType: Type.String(),
  content: Type.String(),
  address: Type.String(),
  returned: Type.Boolean({ description: 'A unit gave the order back and the centre approved: it waits to be dispatched again' }),
  repeatOf: Nullable(Type.Object({ id: Type.String({ format: 'uuid' }), externalNo: Type.String() }, { description: 'The earlier order this one repeats, to merge into' })),
  decidedAt: Type.String({ format: 'date-time' }),
  decision: Decision,
});

export const DecisionRecord = Type.Object({
  workOrderId: Type.String({ format: 'uuid' }),
  outcome: Type.Union(ROUTING_OUTCOMES.map((o) => Type.Literal(o)), {
    description: 'auto_dispatched; triage (waiting for an operator); confirmed or corrected by an operator\'s dispatch; withdrawn (merged or cancelled first)',
  }),
  decidedAt: Type.String({ format: 'date-time' }),
  decision: Decision,
  resolvedUnitCode: Nullable(Type.String({ description: 'The unit an operator dispatched to' })),
  resolvedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String({ format: 'date-time' })),
});

const Term = Type.Object(
  {
    term: Type.String({ minLength: 1, maxLength: 40 }),
    weight: Type.Number({ minimum: 0.1, maximum: 10, description: '3: the unit\'s core matter, 2: typical, 1: a hint' }),
    core: Type.Optional(
      Type.Boolean({ description: 'Police terms only: a core police matter (crime and fraud, violence, ID cards and household registration, traffic violations and accidents, emergencies), never sent to a partner agency because of a model' }),
    ),
  },
  { additionalProperties: false },
);
const Terms = Type.Array(Term, { maxItems: 2000 });
const Places = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 5000 });

export const KnowledgeVersion = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'e.g. 2026.12-1' });

/** The routing knowledge as administrators edit it: a whole document per version. */
export const KnowledgeDocument = Type.Object(
  {
    version: KnowledgeVersion,
    agencies: Type.Record(UnitCode, Terms, { description: 'Each partner agency\'s duty list (职责清单)' }),
    subdistrictDuties: Type.Array(Term, { description: 'Community matters: they go to the sub-district office of the address', maxItems: 2000 }),
    police: Type.Record(UnitCode, Terms, { description: 'The police scope by internal unit' }),
    stationMatters: Type.Array(UnitCode, { description: 'Police units whose matters go to the station of the address' }),
    fallbackPoliceUnit: UnitCode,
    negations: Type.Array(Type.String({ minLength: 1, maxLength: 10 }), { maxItems: 100, description: 'Words that, just before a term, say the matter is not that' }),
    placeMarkers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 10 }), { maxItems: 100, description: 'Words that, just after a term, make it a landmark rather than the matter (学校附近的垃圾箱)' }),
    ),
    gazetteer: Type.Record(UnitCode, Places, { description: 'Place names of each station\'s area' }),
    subdistrictGazetteer: Type.Record(UnitCode, Places, { description: 'Place names of each sub-district office\'s area' }),
  },
  { additionalProperties: false },
);

export const KnowledgeBody = Type.Composite([KnowledgeDocument, Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) })], { additionalProperties: false });
export type KnowledgeBody = Static<typeof KnowledgeBody>;

export const KnowledgeVersionView = Type.Object({
  version: Type.String(),
  active: Type.Boolean(),
  note: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  activatedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type KnowledgeVersionView = Static<typeof KnowledgeVersionView>;

const Gate = Type.Object({
  activated: Type.Boolean({ description: 'Whether the evaluation activated it by itself' }),
  reasons: Type.Array(Type.String(), { description: 'Why, in Chinese' }),
  unitsBelowMinimum: Type.Array(Type.Object({ unitCode: Type.String(), examples: Type.Integer() }), {
    description: 'Units with fewer examples than routing.minExamplesPerUnit in what the model was trained on',
  }),
  leftToDutyLists: Type.Optional(
    Type.Boolean({
      description:
        'true: the model did not learn those units, and their orders are routed by the duty lists, as at cold start; false: fewer than two units had enough, so it learned them all and was only kept (absent in reports written before this field)',
    }),
  ),
});

export const Sources = Type.Object(
  { imported: Type.Integer(), corrections: Type.Integer(), closedOrders: Type.Integer() },
  { description: 'What it learns from: imported history, operators\' choices on routed orders, closed orders' },
);

export const ModelView = Type.Object({
  version: Type.String(),
  active: Type.Boolean(),
  trainedOn: Type.Integer({ description: 'Labelled examples the model learned from (the held-back fifth excluded)' }),
  labels: Type.Array(Type.String(), { description: 'The units it knows' }),
  sources: Sources,
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  activatedAt: Nullable(Type.String({ format: 'date-time' })),
  gate: Nullable(Gate, { description: 'Null for models trained before evaluation existed' }),
});
export type ModelView = Static<typeof ModelView>;

const Metrics = Type.Object({
  examples: Type.Integer(),
  police: Type.Integer({ description: 'Police matters among them' }),
  accuracy: Nullable(Type.Number({ description: 'The unit chosen is the example\'s unit (the centre\'s own examples)' })),
  policeRecall: Nullable(Type.Number()),
  policePrecision: Nullable(Type.Number()),
  threshold: Type.Number({ description: 'The threshold these figures were taken at' }),
  autoShare: Type.Number({ description: 'Share it would dispatch by itself' }),
  autoAccuracy: Nullable(Type.Number({ description: 'Accuracy of what it would dispatch by itself' })),
  wrongSideAuto: Type.Integer({ description: 'Automatic dispatches to the wrong side: a police matter to a partner agency, or the reverse' }),
  wrongSidePerThousand: Type.Number(),
});

export const EvaluationReport = Type.Object({
  heldBack: Type.Object({ examples: Type.Integer(), police: Type.Integer(), partner: Type.Integer(), referenceExamples: Type.Integer() }),
  candidate: Metrics,
  baseline: Type.Composite([Metrics, Type.Object({ modelVersion: Nullable(Type.String({ description: 'null: the duty lists alone' })) })]),
  corePolice: Type.Object({ kept: Type.Integer(), total: Type.Integer(), lost: Type.Array(Type.String()) }, { description: 'The built-in core police examples (domain.md §5) it keeps police' }),
  reliability: Type.Array(
    Type.Object({ from: Type.Number(), to: Type.Number(), decisions: Type.Integer(), meanConfidence: Nullable(Type.Number()), accuracy: Nullable(Type.Number()) }),
    { description: 'Reliability table: held-back decisions by tenth of calibrated confidence (cross-fitted), and how often they were right' },
  ),
  curve: Type.Array(Type.Object({ threshold: Type.Number(), dispatched: Type.Integer(), share: Type.Number(), accuracy: Nullable(Type.Number()) }), {
    description: 'At each threshold (hundredths), what would be dispatched by itself and how often rightly',
  }),
  gate: Gate,
  policy: Type.Object({ threshold: Type.Number(), targetAccuracy: Nullable(Type.Number()), minExamplesPerSide: Type.Integer(), minExamplesPerUnit: Type.Integer() }),
});

export const ModelDetail = Type.Composite([
  ModelView,
  Type.Object({
    evaluation: Nullable(EvaluationReport),
    events: Type.Array(
      Type.Object({
        action: Type.Union(MODEL_ACTIONS.map((a) => Type.Literal(a))),
        reason: Type.String(),
        actor: Type.String(),
        at: Type.String({ format: 'date-time' }),
      }),
      { description: 'Every decision about the model: activated by its evaluation, kept, activated or deactivated by an administrator, replaced' },
    ),
  }),
]);

export const TRAINING_RUN_STATES = ['queued', 'running', 'succeeded', 'failed'] as const;
export const TRAINING_OUTCOMES = ['activated', 'kept', 'unchanged'] as const;

export const TrainingRun = Type.Object({
  id: Type.String({ format: 'uuid' }),
  state: Type.Union(TRAINING_RUN_STATES.map((s) => Type.Literal(s))),
  requestedBy: Type.String(),
  requestedAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  sources: Sources,
  modelVersion: Nullable(Type.String({ description: 'The model the run gave (succeeded runs)' })),
  outcome: Nullable(
    Type.Union(TRAINING_OUTCOMES.map((o) => Type.Literal(o)), {
      description: 'activated: its evaluation activated it; kept: kept aside for an administrator; unchanged: the same examples gave a model that already existed',
    }),
  ),
  reasons: Type.Array(Type.String(), { description: 'The evaluation\'s reasons, in Chinese (succeeded runs with a new model)' }),
  error: Nullable(
    Type.Object({ code: Type.String({ description: 'too_few_examples, interrupted (its worker stopped: failed by the sweep after 30 minutes) or training_failed' }), message: Type.String() }, { description: 'Why the run failed' }),
  ),
});
export type TrainingRun = Static<typeof TrainingRun>;

export const ExampleBatch = Type.Object({
  batch: Type.String(),
  importedBy: Type.String(),
  importedAt: Type.String({ format: 'date-time' }),
  examples: Type.Integer(),
});

/** How often the router was right among decisions whose unit is settled. */
const Tally = {
  decisions: Type.Integer(),
  resolved: Type.Integer({ description: 'Decisions whose unit is settled: dispatched by the router and not corrected since, or dispatched by an operator' }),
  right: Type.Integer({ description: 'Of those, the ones where the router\'s unit kept the order' }),
  accuracy: Nullable(Type.Number({ description: 'right / resolved; null when none is resolved' })),
};

export const RoutingQuality = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  ...Tally,
  autoDispatched: Type.Integer({ description: 'Dispatched by the router itself' }),
  autoDispatchedCorrected: Type.Integer({ description: 'Dispatched by the router, then corrected by an operator (after the unit gave it back, say)' }),
  waiting: Type.Integer({ description: 'Still in the triage queue' }),
  withdrawn: Type.Integer({ description: 'Merged or cancelled before anyone dispatched them' }),
  byConfidence: Type.Array(Type.Object({ from: Type.Number(), to: Type.Number(), ...Tally }), {
    description: 'By the router\'s confidence, in tenths: where accuracy stays high enough is where the auto-dispatch threshold can go',
  }),
  byVersion: Type.Array(Type.Object({ knowledgeVersion: Type.String(), modelVersion: Nullable(Type.String()), autoDispatched: Type.Integer(), ...Tally })),
  router: Type.Object(
    {
      modelVersion: Nullable(Type.String()),
      threshold: Type.Number({ description: 'The auto-dispatch threshold in force' }),
      thresholdFrom: Type.Union([Type.Literal('target_accuracy'), Type.Literal('setting')], {
        description: 'target_accuracy: derived from the active model\'s held-back curve for routing.targetAccuracy; setting: routing.autoDispatchThreshold',
      }),
      targetAccuracy: Nullable(Type.Number()),
      expectedShare: Nullable(Type.Number({ description: 'The share of held-back decisions this threshold dispatches' })),
      expectedAccuracy: Nullable(Type.Number({ description: 'Their accuracy' })),
      evaluation: Nullable(EvaluationReport, { description: 'The active model\'s evaluation report' }),
    },
    { description: 'What the router works with now' },
  ),
});
export type RoutingQuality = Static<typeof RoutingQuality>;
