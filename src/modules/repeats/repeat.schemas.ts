import { Type, type Static } from '@sinclair/typebox';
import { literals, Nullable } from '../../schemas/common';
import { NOISE_KINDS } from './noise-source.entity';

export const Check = Type.Object({
  checkedAt: Type.String({ format: 'date-time' }),
  checkedBy: Type.String(),
  result: Type.String(),
  recordedBy: Type.String(),
});
export type CheckView = Static<typeof Check>;

export const SourceView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  place: Type.String(),
  kind: literals(NOISE_KINDS),
  organiser: Type.String(),
  contact: Type.String(),
  note: Type.String(),
  active: Type.Boolean(),
  orders: Type.Integer({ description: 'Orders linked to the source' }),
  lastCheck: Nullable(Check),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
});
export type NoiseSourceView = Static<typeof SourceView>;
