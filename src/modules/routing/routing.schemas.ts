import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../../schemas/common';
import { UnitCode } from '../directory/directory.schemas';
import { ROUTING_OUTCOMES } from './routing-decision.entity';

export const Decision = Type.Object({
  police: Type.Boolean({ description: '涉警: a police matter handled inside the bureau' }),
  policeProbability: Type.Number(),
  leadUnitCode: Nullable(Type.String()),
  leadUnitName: Nullable(Type.String()),
  assistingUnitCodes: Type.Array(Type.String()),
  confidence: Type.Number({ description: '0 to 1' }),
  alternatives: Type.Array(Type.Object({ unitCode: Type.String(), score: Type.Number() })),
  reasons: Type.Array(Type.String(), { description: 'Which duty terms, which place, which learned features' }),
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

export const ModelView = Type.Object({
  version: Type.String(),
  active: Type.Boolean(),
  trainedOn: Type.Integer({ description: 'Labelled examples the model learned from' }),
  labels: Type.Array(Type.String(), { description: 'The units it knows' }),
  sources: Type.Object({ imported: Type.Integer(), corrections: Type.Integer(), closedOrders: Type.Integer() }),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  activatedAt: Nullable(Type.String({ format: 'date-time' })),
});

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
});
export type RoutingQuality = Static<typeof RoutingQuality>;
