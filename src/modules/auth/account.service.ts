import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { returnedRows, type Database } from '../../db/database';
import { AppError, conflict, notFound, unprocessable } from '../../errors';
import { hashToken, type Actor } from './actor';
import { Unit } from '../directory/unit.entity';
import type { SettingsService } from '../settings/settings.service';
import { Account, Session, SignIn } from './account.entity';
import { decoyHash, hashPassword, verifyPassword, type ScryptParams } from './password';
import type { Role } from './principal.entity';
import type { AccountView, SessionView, SignInView } from './account.schemas';

/** A live session found from its cookie: who acts through it, and its CSRF token. */
export interface ResolvedSession {
  actor: Actor;
  view: SessionView;
}

export interface NewAccount {
  username: string;
  name: string;
  role: Role;
  unitCode?: string;
  password: string;
}

export interface AccountChanges {
  name?: string;
  role?: Role;
  unitCode?: string | null;
  disabled?: boolean;
}

export const invalidCredentials = () => new AppError(401, 'invalid-credentials', 'the user name or password is wrong');

const SESSION_SQL = `
  SELECT s.id, s.role, s.unit_id, s.csrf_token, s.expires_at, s.account_id, s.principal_id,
         coalesce(a.username, p.name) AS username, coalesce(a.name, p.name) AS name, u.code AS unit_code, u.name AS unit_name
  FROM sessions s
  LEFT JOIN accounts a ON a.id = s.account_id
  LEFT JOIN principals p ON p.id = s.principal_id
  LEFT JOIN units u ON u.id = s.unit_id
  WHERE s.id_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2
    AND (s.account_id IS NULL OR (NOT a.disabled AND a.role = s.role AND a.unit_id IS NOT DISTINCT FROM s.unit_id))
    AND (s.principal_id IS NULL OR p.revoked_at IS NULL)`;

interface SessionRow {
  id: string;
  role: Role;
  unit_id: string | null;
  csrf_token: string;
  expires_at: Date | string;
  account_id: string | null;
  principal_id: string | null;
  username: string;
  name: string;
  unit_code: string | null;
  unit_name: string | null;
}

/**
 * Personal accounts, their passwords, the record of sign-ins and browser sessions.
 * A session is looked up in the database on every request (no cache), so that signing out,
 * disabling an account or changing its role or unit ends it at once in every process.
 */
export class AccountService {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsService,
    private readonly scrypt: ScryptParams,
    private readonly sessionHours: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: NewAccount): Promise<AccountView> {
    const username = normaliseUsername(input.username);
    await this.checkPasswordLength(input.password);
    const passwordHash = await hashPassword(input.password, this.scrypt);
    return this.db.write(async (m) => {
      const unit = await unitFor(m, input.role, input.unitCode);
      if (await m.findOneBy(Account, { username })) throw conflict('username_taken', `an account named ${username} exists`);
      const now = this.now();
      const saved = await m.save(
        m.create(Account, { username, name: input.name, role: input.role, unitId: unit?.id ?? null, passwordHash, disabled: false, failedAttempts: 0, lockedUntil: null, passwordChangedAt: now, createdAt: now, updatedAt: now }),
      );
      return toView(saved, unit);
    });
  }

  list(): Promise<AccountView[]> {
    return this.db.read(async (m) => {
      const accounts = await m.find(Account, { order: { username: 'ASC' } });
      const units = new Map((await m.find(Unit)).map((u) => [u.id, u]));
      return accounts.map((a) => toView(a, a.unitId ? (units.get(a.unitId) ?? null) : null));
    });
  }

  /** An administrator's change; disabling the account or changing its role or unit ends its sessions at once. */
  update(id: string, changes: AccountChanges): Promise<AccountView> {
    return this.db.write(async (m) => {
      const account = await m.findOneBy(Account, { id });
      if (!account) throw notFound('account', id);
      const role = changes.role ?? account.role;
      let unit: Unit | null = account.unitId ? await m.findOneBy(Unit, { id: account.unitId }) : null;
      if (changes.role !== undefined || changes.unitCode !== undefined) {
        const unitCode = changes.unitCode !== undefined ? changes.unitCode : role === 'unit' ? unit?.code : undefined;
        unit = await unitFor(m, role, unitCode ?? undefined);
      }
      const rebound = role !== account.role || (unit?.id ?? null) !== account.unitId;
      const disabling = changes.disabled === true && !account.disabled;
      Object.assign(account, { name: changes.name ?? account.name, role, unitId: unit?.id ?? null, disabled: changes.disabled ?? account.disabled, updatedAt: this.now() });
      if (changes.disabled === false) Object.assign(account, { failedAttempts: 0, lockedUntil: null });
      await m.save(account);
      if (rebound || disabling) await this.endSessionsOf(m, id, disabling ? 'disabled' : 'role_changed');
      return toView(account, unit);
    });
  }

  /** An administrator sets a new password: the account is unlocked and its sessions end. */
  async resetPassword(id: string, password: string): Promise<void> {
    await this.checkPasswordLength(password);
    const passwordHash = await hashPassword(password, this.scrypt);
    await this.db.write(async (m) => {
      const updated = await m.update(Account, { id }, { passwordHash, passwordChangedAt: this.now(), failedAttempts: 0, lockedUntil: null, updatedAt: this.now() });
      if (!updated.affected) throw notFound('account', id);
      await this.endSessionsOf(m, id, 'password_reset');
    });
  }

  /** The signed-in person changes their own password; their other sessions end. */
  async changePassword(actor: Actor, sessionId: string | null, currentPassword: string, newPassword: string): Promise<void> {
    const account = actor.id ? await this.db.read((m) => m.findOneBy(Account, { id: actor.id! })) : null;
    if (!account) throw new AppError(403, 'no_password', 'only a person signed in with a user name has a password to change');
    if (!(await verifyPassword(currentPassword, account.passwordHash))) throw new AppError(403, 'invalid-credentials', 'the current password is wrong');
    await this.checkPasswordLength(newPassword);
    const passwordHash = await hashPassword(newPassword, this.scrypt);
    await this.db.write(async (m) => {
      await m.update(Account, { id: account.id }, { passwordHash, passwordChangedAt: this.now(), updatedAt: this.now() });
      await m.query(`UPDATE sessions SET ended_at = $2, ended_reason = 'password_changed' WHERE account_id = $1 AND ended_at IS NULL AND id IS DISTINCT FROM $3`, [account.id, this.now(), sessionId]);
    });
  }

  /**
   * Signs a person in: the record gets every attempt. Too many failures in a row lock the account
   * (`accounts.maxFailedAttempts`, `accounts.lockMinutes`); a locked account is refused without
   * its password being checked. An unknown name costs as long as a wrong password.
   */
  async signIn(input: { username: string; password: string; ip: string | null }): Promise<{ sessionId: string; view: SessionView }> {
    const username = input.username.trim().toLowerCase();
    const account = await this.db.read((m) => m.findOneBy(Account, { username }));
    const record = (success: boolean, reason: string) =>
      this.db.write((m) => m.insert(SignIn, { username: username.slice(0, 100), accountId: account?.id ?? null, success, reason, ip: input.ip, at: this.now() }));
    if (!account) {
      await verifyPassword(input.password, await decoyHash(this.scrypt));
      await record(false, 'unknown_user');
      throw invalidCredentials();
    }
    const now = this.now();
    if (account.lockedUntil && account.lockedUntil > now) {
      await record(false, 'locked');
      throw locked(account.lockedUntil);
    }
    const matches = await verifyPassword(input.password, account.passwordHash);
    if (account.disabled) {
      await record(false, 'disabled');
      throw invalidCredentials();
    }
    if (!matches) {
      const [max, minutes] = await this.db.read(async (m) => [await this.settings.get(m, 'accounts.maxFailedAttempts'), await this.settings.get(m, 'accounts.lockMinutes')] as const);
      const lockUntil = new Date(now.getTime() + minutes * 60_000);
      const [row] = await this.db.write(async (m) => {
        const rows = (await m.query(
          `UPDATE accounts SET failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END,
                               locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
           WHERE id = $1 RETURNING locked_until`,
          [account.id, max, lockUntil],
        )) as unknown;
        await m.insert(SignIn, { username, accountId: account.id, success: false, reason: 'wrong_password', ip: input.ip, at: now });
        return returnedRows<{ locked_until: Date | string | null }>(rows);
      });
      if (row?.locked_until && new Date(row.locked_until) > now) throw locked(new Date(row.locked_until));
      throw invalidCredentials();
    }
    return this.db.write(async (m) => {
      await m.update(Account, { id: account.id }, { failedAttempts: 0, lockedUntil: null });
      await m.insert(SignIn, { username, accountId: account.id, success: true, reason: 'password', ip: input.ip, at: now });
      const unit = account.unitId ? await m.findOneBy(Unit, { id: account.unitId }) : null;
      return this.openSession(m, { accountId: account.id, principalId: null, role: account.role, unit, ip: input.ip, username: account.username, name: account.name });
    });
  }

  /** A commander pasted an API token on /login: a session stands for that token, recorded like any sign-in. */
  signInWithToken(actor: Actor, ip: string | null): Promise<{ sessionId: string; view: SessionView }> {
    return this.db.write(async (m) => {
      const unit = actor.unitId ? await m.findOneBy(Unit, { id: actor.unitId }) : null;
      await m.insert(SignIn, { username: `token:${actor.name}`.slice(0, 100), accountId: null, success: true, reason: 'token', ip, at: this.now() });
      return this.openSession(m, { accountId: null, principalId: actor.id, role: actor.role as Role, unit, ip, username: actor.name, name: actor.name });
    });
  }

  /** The record of a failed token sign-in (the token itself is never kept). */
  async recordFailedToken(ip: string | null): Promise<void> {
    await this.db.write((m) => m.insert(SignIn, { username: 'token', accountId: null, success: false, reason: 'unknown_token', ip, at: this.now() }));
  }

  /** The live session a cookie names, or null when it is unknown, ended, expired, or its account changed. */
  async resolveSession(cookie: string): Promise<(ResolvedSession & { sessionId: string }) | null> {
    const [row] = await this.db.statement<SessionRow>(SESSION_SQL, [hashToken(cookie), this.now()]);
    if (!row) return null;
    const view: SessionView = {
      username: row.username,
      name: row.name,
      role: row.role,
      unitCode: row.unit_code,
      unitName: row.unit_name,
      csrfToken: row.csrf_token,
      expiresAt: new Date(row.expires_at).toISOString(),
      kind: row.account_id ? 'account' : 'token',
    };
    return { sessionId: row.id, view, actor: { id: row.account_id ?? row.principal_id, name: row.name, role: row.role, unitId: row.unit_id } };
  }

  /** Signing out: the session ends in the database at once. */
  async endSession(cookie: string): Promise<void> {
    await this.db.statement(`UPDATE sessions SET ended_at = $2, ended_reason = 'signed_out' WHERE id_hash = $1 AND ended_at IS NULL`, [hashToken(cookie), this.now()]);
  }

  signIns(query: { username?: string; limit: number }): Promise<SignInView[]> {
    return this.db.read(async (m) => {
      const qb = m.createQueryBuilder(SignIn, 's').orderBy('s.at', 'DESC').addOrderBy('s.id', 'DESC').limit(query.limit);
      if (query.username) qb.where('s.username = :username', { username: query.username.trim().toLowerCase() });
      return (await qb.getMany()).map((s) => ({ id: String(s.id), username: s.username, accountId: s.accountId, success: s.success, reason: s.reason, ip: s.ip, at: s.at.toISOString() }));
    });
  }

  /** Demo mode: the account exists with this password (created once; an existing one is left as it is). */
  async ensure(input: NewAccount): Promise<void> {
    const exists = await this.db.read((m) => m.findOneBy(Account, { username: normaliseUsername(input.username) }));
    if (!exists) await this.create(input);
  }

  private async openSession(
    m: EntityManager,
    s: { accountId: string | null; principalId: string | null; role: Role; unit: Unit | null; ip: string | null; username: string; name: string },
  ): Promise<{ sessionId: string; view: SessionView }> {
    const sessionId = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.sessionHours * 3600_000);
    await m.insert(Session, {
      idHash: hashToken(sessionId),
      accountId: s.accountId,
      principalId: s.principalId,
      role: s.role,
      unitId: s.unit?.id ?? null,
      csrfToken,
      ip: s.ip,
      createdAt: now,
      expiresAt,
      endedAt: null,
      endedReason: null,
    });
    return {
      sessionId,
      view: { username: s.username, name: s.name, role: s.role, unitCode: s.unit?.code ?? null, unitName: s.unit?.name ?? null, csrfToken, expiresAt: expiresAt.toISOString(), kind: s.accountId ? 'account' : 'token' },
    };
  }

  private async endSessionsOf(m: EntityManager, accountId: string, reason: string): Promise<void> {
    await m.query(`UPDATE sessions SET ended_at = $2, ended_reason = $3 WHERE account_id = $1 AND ended_at IS NULL`, [accountId, this.now(), reason]);
  }

  private async checkPasswordLength(password: string): Promise<void> {
    const min = await this.db.read((m) => this.settings.get(m, 'accounts.minPasswordLength'));
    if ([...password].length < min) throw unprocessable('password_too_short', `a password has at least ${min} characters`);
  }
}

function normaliseUsername(username: string): string {
  const normal = username.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(normal)) throw unprocessable('invalid_username', 'a user name is 2 to 64 letters, digits, dots, dashes or underscores');
  return normal;
}

async function unitFor(m: EntityManager, role: Role, unitCode: string | undefined): Promise<Unit | null> {
  if (role !== 'unit') {
    if (unitCode) throw unprocessable('unit_not_allowed', `only unit staff are bound to a unit, not ${role}`);
    return null;
  }
  if (!unitCode) throw unprocessable('unit_required', 'a unit-staff account must name its unitCode');
  const unit = await m.findOneBy(Unit, { code: unitCode });
  if (!unit) throw unprocessable('unknown_unit', `no unit with code ${unitCode}`);
  return unit;
}

const locked = (until: Date) =>
  new AppError(423, 'account-locked', `too many failed sign-ins: the account is locked until ${until.toISOString()}`, { title: 'Locked', lockedUntil: until.toISOString() });

function toView(a: Account, unit: Unit | null): AccountView {
  return {
    id: a.id,
    username: a.username,
    name: a.name,
    role: a.role,
    unitCode: unit?.code ?? null,
    unitName: unit?.name ?? null,
    disabled: a.disabled,
    lockedUntil: a.lockedUntil ? a.lockedUntil.toISOString() : null,
    failedAttempts: a.failedAttempts,
    passwordChangedAt: a.passwordChangedAt.toISOString(),
    createdAt: a.createdAt.toISOString(),
  };
}
