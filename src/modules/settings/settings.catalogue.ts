import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { UNIT_KINDS } from '../directory/unit.entity';

/** The five satisfaction levels of 国办发〔2019〕51号: 非常满意 满意 基本满意 不满意 非常不满意. */
export const SATISFACTION_LEVELS = ['very_satisfied', 'satisfied', 'basically_satisfied', 'unsatisfied', 'very_unsatisfied'] as const;
export type SatisfactionLevel = (typeof SATISFACTION_LEVELS)[number];

/**
 * Every setting an administrator may change through the API, with its schema and
 * default. Settings live in the database so that every process sees the same value.
 */
export const SETTINGS = {
  /** Who leads director supervision slips (办公室主任), by name or title. */
  'supervision.leadName': { schema: Type.String({ minLength: 1, maxLength: 100 }), default: '办公室主任', description: 'Lead of every director supervision slip (the office director)' },
  /** Working days a slip gives the handling unit. */
  'supervision.slipWorkingDays': { schema: Type.Integer({ minimum: 1, maximum: 60 }), default: 5, description: 'Working days from raising a slip to its deadline' },
  /** Repeats merged into one original that raise a slip about the source. */
  'supervision.repeatThreshold': { schema: Type.Integer({ minimum: 1, maximum: 1000 }), default: 3, description: 'Repeat complaints about one source (merged into its original) that raise a supervision slip' },
  /** Routing on intake: at or above this confidence the order is dispatched at once; below, it waits in the triage queue. */
  'routing.autoDispatchThreshold': {
    schema: Type.Number({ minimum: 0, maximum: 1.01 }),
    default: 0.8,
    description: 'Confidence (0–1) at or above which a routed order is dispatched automatically; above 1 sends every order to triage',
  },
  /** Beyond a fixed threshold: the accuracy the centre wants from automatic dispatch; the threshold is then derived from the active model's held-back curve. */
  'routing.targetAccuracy': {
    schema: Type.Union([Type.Number({ minimum: 0.5, maximum: 1 }), Type.Null()]),
    default: null as number | null,
    description:
      'Accuracy (0.5–1) wanted from automatic dispatch, for example 0.97: with an evaluated model active, the threshold becomes the lowest confidence at which its held-back decisions were right this often (GET /api/v1/routing/quality shows it and the share it dispatches). null: routing.autoDispatchThreshold applies',
  },
  /** A model earns trust: its learned vote on police or not decides, and it votes on the units of a side, only past this many examples of that side. */
  'routing.minExamplesPerSide': {
    schema: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    default: 100,
    description:
      'Examples of police matters and of partner matters a model must have learned before its vote on police or not may decide the side where the duty lists say nothing (and before it votes on the units of that side); from a quarter of this, the vote may only hold an order it disagrees on for an operator, or lower a confidence, and only when the side it votes against shares a word with the text',
  },
  /** A model learns a unit only from this many examples; a unit with fewer stays with the duty lists. */
  'routing.minExamplesPerUnit': {
    schema: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    default: 20,
    description:
      'Examples of a unit a training run needs before the model learns it; a unit with fewer is left to the duty lists. When fewer than two units have that many, the model learns them all and is kept for an administrator to activate on purpose',
  },
  /** Repeat complaints (domain.md §11): how far back a new order looks for the one it repeats. */
  'repeats.windowDays': { schema: Type.Integer({ minimum: 1, maximum: 365 }), default: 30, description: 'Days back from an order\'s receipt in which an earlier order about the same place or from the same caller counts as the one it repeats' },
  /** How alike two messages must be (Dice coefficient over character pairs, 0–1) to be the same matter. */
  'repeats.minSimilarity': { schema: Type.Number({ minimum: 0, maximum: 1 }), default: 0.35, description: 'Text similarity (0–1, character-pair Dice) at or above which an earlier order about the same place or from the same caller is the same matter' },
  /** Callbacks (domain.md §9). */
  'callbacks.delayHours': { schema: Type.Integer({ minimum: 0, maximum: 720 }), default: 24, description: 'Hours after a reply when its callback (回访) falls due' },
  'callbacks.maxAttempts': { schema: Type.Integer({ minimum: 1, maximum: 10 }), default: 3, description: 'Unreachable attempts after which a callback is counted apart as unreachable' },
  'supervision.slipOnFailedRedo': { schema: Type.Boolean(), default: true, description: 'Raise a supervision slip when a redo (重办) ends unsatisfied again' },
  /** The monthly assessment (domain.md §10): the bureau's own formulas. */
  'assessment.satisfiedLevels': {
    schema: Type.Array(Type.Union(SATISFACTION_LEVELS.map((l) => Type.Literal(l))), { minItems: 1, uniqueItems: true }),
    default: ['very_satisfied', 'satisfied', 'basically_satisfied'],
    description: 'Callback results that count as satisfied (cities differ on basically_satisfied 基本满意)',
  },
  'assessment.replyOnTimeOnly': { schema: Type.Boolean(), default: true, description: 'Reply rate counts only replies made on time (else every reply)' },
  'assessment.closureOnTimeOnly': { schema: Type.Boolean(), default: true, description: 'Closure rate counts only orders closed on time (else every closure)' },
  'assessment.closureDenominator': {
    schema: Type.Union([Type.Literal('close_due'), Type.Literal('reply_due')]),
    default: 'close_due',
    description: 'Closure rate divides by the orders whose closing fell due in the period (close_due) or whose reply did (reply_due)',
  },
  'assessment.weights': {
    schema: Type.Object({ reply: Type.Number({ minimum: 0 }), closure: Type.Number({ minimum: 0 }), satisfaction: Type.Number({ minimum: 0 }) }, { additionalProperties: false }),
    default: { reply: 0.3, closure: 0.3, satisfaction: 0.4 },
    description: 'Weights of the three rates in the composite score (0–100)',
  },
  'assessment.minOrders': { schema: Type.Integer({ minimum: 0, maximum: 1000 }), default: 5, description: 'Orders due below which a unit is listed but not ranked' },
  'assessment.minCallbacks': { schema: Type.Integer({ minimum: 0, maximum: 1000 }), default: 5, description: 'Successful callbacks below which a unit is listed but not ranked, nor praised' },
  'assessment.unitKinds': {
    schema: Type.Array(Type.Union(UNIT_KINDS.map((k) => Type.Literal(k))), { minItems: 1, uniqueItems: true }),
    default: ['station', 'brigade'],
    description: 'Kinds of unit the bureau ranks',
  },
  /** Accounts: repeated failed sign-ins lock the account for a while. */
  'accounts.maxFailedAttempts': { schema: Type.Integer({ minimum: 1, maximum: 100 }), default: 5, description: 'Failed sign-ins in a row after which an account is locked' },
  'accounts.lockMinutes': { schema: Type.Integer({ minimum: 1, maximum: 1440 }), default: 15, description: 'Minutes an account stays locked after too many failed sign-ins' },
  'accounts.minPasswordLength': { schema: Type.Integer({ minimum: 8, maximum: 128 }), default: 8, description: 'Shortest password an account may be given' },
  'assessment.excellentPerQuarter': { schema: Type.Integer({ minimum: 1, maximum: 50 }), default: 3, description: 'Units selected excellent each quarter (the top of the quarter\'s ranking)' },
  /** The bulletin's issuing office (发文机关) and the head of its document number (文号). */
  'reports.issuer': { schema: Type.String({ minLength: 1, maxLength: 100 }), default: '济南市公安局长清分局', description: 'Issuing office printed on the bulletin and the trends page (发文机关)' },
  'reports.documentPrefix': {
    schema: Type.String({ minLength: 1, maxLength: 20 }),
    default: '长公热',
    description: "Head of the bulletin's document number: 长公热 gives 长公热月通〔2026〕7号, 长公热季通〔2026〕3号, 长公热年通〔2026〕1号",
  },
} as const satisfies Record<string, { schema: TSchema; default: unknown; description: string }>;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = Static<(typeof SETTINGS)[K]['schema']>;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
