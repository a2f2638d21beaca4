import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from './principal.entity';

export const PrincipalView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  role: Type.Union(ROLES.map((r) => Type.Literal(r))),
  unitCode: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type PrincipalView = Static<typeof PrincipalView>;
