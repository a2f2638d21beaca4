import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from './principal.entity';

export const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const AccountView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  name: Type.String(),
  role: Role,
  unitCode: Type.Union([Type.String(), Type.Null()]),
  unitName: Type.Union([Type.String(), Type.Null()]),
  disabled: Type.Boolean(),
  lockedUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  failedAttempts: Type.Integer(),
  passwordChangedAt: Type.String({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' }),
});
export type AccountView = Static<typeof AccountView>;

export const SignInView = Type.Object({
  id: Type.String(),
  username: Type.String(),
  accountId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  success: Type.Boolean(),
  reason: Type.String({ description: 'password, token; or why it failed: unknown_user, wrong_password, locked, disabled, unknown_token' }),
  ip: Type.Union([Type.String(), Type.Null()]),
  at: Type.String({ format: 'date-time' }),
});
export type SignInView = Static<typeof SignInView>;
