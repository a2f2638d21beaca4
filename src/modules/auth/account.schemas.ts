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

/** What a browser learns about its own session (GET /api/v1/session). */
export const SessionBody = Type.Object({
  username: Type.String({ description: 'The account user name, or the name of the token holder for a token session' }),
  name: Type.String({ description: 'Display name' }),
  role: Type.Union(ROLES.map((r) => Type.Literal(r))),
  unitCode: Type.Union([Type.String(), Type.Null()]),
  unitName: Type.Union([Type.String(), Type.Null()]),
  csrfToken: Type.String({ description: 'Send it back as the x-csrf-token header on every change (also in the hotline_csrf cookie)' }),
  expiresAt: Type.String({ format: 'date-time' }),
  /** `account` for a user name and password, `token` for a pasted API token. */
  kind: Type.Union([Type.Literal('account'), Type.Literal('token')]),
});
export type SessionView = Static<typeof SessionBody>;
