import { Type, type Static } from '@sinclair/typebox';
import { literals, Nullable } from '../../schemas/common';
import { SATISFACTION_LEVELS } from '../settings/settings.catalogue';
import { CALLBACK_STATES, EXEMPTION_STATES } from './callback.entities';

const UnitRef = Nullable(Type.Object({ code: Type.String(), name: Type.String() }));
export const Result = literals([...SATISFACTION_LEVELS, 'unreachable'] as const, '非常满意 满意 基本满意 不满意 非常不满意, or unreachable (未接通)');

export const CallbackView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  workOrder: Type.Object({
    id: Type.String({ format: 'uuid' }),
    externalNo: Type.String(),
    state: Type.String(),
    content: Type.String(),
    citizen: Type.Object({ name: Type.String(), phone: Type.String() }),
  }),
  cycle: Type.Integer({ description: '1 for the first reply, 2 after a redo, ...' }),
  unit: UnitRef,
  repliedAt: Type.String({ format: 'date-time' }),
  dueAt: Type.String({ format: 'date-time' }),
  state: literals(CALLBACK_STATES),
  attempts: Type.Array(
    Type.Object({ number: Type.Integer(), at: Type.String({ format: 'date-time' }), by: Type.String(), result: Result, unitFault: Nullable(Type.Boolean()), notes: Type.String() }),
  ),
  satisfaction: Nullable(literals(SATISFACTION_LEVELS)),
  unitFault: Nullable(Type.Boolean()),
  completedAt: Nullable(Type.String({ format: 'date-time' })),
  exempt: Type.Boolean({ description: 'Left out of the unit\'s figures by an approved exemption (核减)' }),
  version: Type.Integer(),
});
export type CallbackView = Static<typeof CallbackView>;

export const ExemptionView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  workOrderId: Type.String({ format: 'uuid' }),
  externalNo: Type.String(),
  unit: UnitRef,
  reason: Type.String(),
  state: literals(EXEMPTION_STATES),
  requestedBy: Type.String(),
  requestedAt: Type.String({ format: 'date-time' }),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Type.String({ format: 'date-time' })),
  decisionNote: Nullable(Type.String()),
});
export type ExemptionView = Static<typeof ExemptionView>;
