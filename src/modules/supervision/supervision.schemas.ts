import { Type, type Static } from '@sinclair/typebox';
import { literals } from '../../schemas/common';
import { SLIP_STATES, SLIP_TRIGGERS } from './slip.entity';

export const SlipView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  number: Type.String({ description: 'e.g. 督办〔2026〕7号' }),
  title: Type.String(),
  trigger: literals(SLIP_TRIGGERS),
  reason: Type.String(),
  unit: Type.Union([Type.Object({ code: Type.String(), name: Type.String() }), Type.Null()]),
  leadName: Type.String({ description: 'The office director' }),
  supervisorName: Type.String({ description: "The handling unit's deputy director" }),
  handlerName: Type.String({ description: "The handling unit's chief" }),
  dueAt: Type.String({ format: 'date-time' }),
  overdue: Type.Boolean(),
  state: literals(SLIP_STATES),
  orders: Type.Array(Type.Object({ id: Type.String(), externalNo: Type.String(), state: Type.String() })),
  notes: Type.Array(Type.Object({ kind: Type.String(), text: Type.String(), authorName: Type.String(), authorRole: Type.String(), at: Type.String({ format: 'date-time' }) })),
  chiefCallback: Type.Union([Type.Object({ calledAt: Type.String(), satisfaction: Type.String(), text: Type.String(), by: Type.String() }), Type.Null()]),
  result: Type.Union([Type.String(), Type.Null()]),
  raisedBy: Type.String(),
  closedBy: Type.Union([Type.String(), Type.Null()]),
  closedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
});
export type SlipView = Static<typeof SlipView>;
