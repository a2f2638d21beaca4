import { Type, type Static, type TSchema } from '@sinclair/typebox';

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
  /** Repeat complaints (domain.md §11): how far back a new order looks for the one it repeats. */
  'repeats.windowDays': { schema: Type.Integer({ minimum: 1, maximum: 365 }), default: 30, description: 'Days back from an order\'s receipt in which an earlier order about the same place or from the same caller counts as the one it repeats' },
  /** How alike two messages must be (Dice coefficient over character pairs, 0–1) to be the same matter. */
  'repeats.minSimilarity': { schema: Type.Number({ minimum: 0, maximum: 1 }), default: 0.35, description: 'Text similarity (0–1, character-pair Dice) at or above which an earlier order about the same place or from the same caller is the same matter' },
} as const satisfies Record<string, { schema: TSchema; default: unknown; description: string }>;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = Static<(typeof SETTINGS)[K]['schema']>;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
