import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Role } from './principal.entity';

/** A person who signs in with a user name and password. */
@Entity({ name: 'accounts' })
export class Account {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') username!: string;
  /** The display name shown in the workspace and recorded on the events the person causes. */
  @Column('text') name!: string;
  @Column('text') role!: Role;
  @Column('uuid', { name: 'unit_id', nullable: true }) unitId!: string | null;
  /** `scrypt$N$r$p$salt$hash` (password.ts); never the password. */
  @Column('text', { name: 'password_hash' }) passwordHash!: string;
  @Column('boolean') disabled!: boolean;
  /** Failed sign-ins in a row since the last success or lock. */
  @Column('integer', { name: 'failed_attempts' }) failedAttempts!: number;
  @Column('timestamptz', { name: 'locked_until', nullable: true }) lockedUntil!: Date | null;
  @Column('timestamptz', { name: 'password_changed_at' }) passwordChangedAt!: Date;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}

/** One attempt to sign in, failed or not: who was tried, from where, and why it failed. No password. */
@Entity({ name: 'sign_ins' })
export class SignIn {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id!: string;
  @Column('text') username!: string;
  @Column('uuid', { name: 'account_id', nullable: true }) accountId!: string | null;
  @Column('boolean') success!: boolean;
  @Column('text') reason!: string;
  @Column('text', { nullable: true }) ip!: string | null;
  @Column('timestamptz') at!: Date;
}

/** A browser's session: the cookie holds a random id, the table its hash, bound to the role and unit of sign-in. */
@Entity({ name: 'sessions' })
export class Session {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { name: 'id_hash' }) idHash!: string;
  @Column('uuid', { name: 'account_id', nullable: true }) accountId!: string | null;
  /** A commander who pasted an API token on /login: the session stands for that token. */
  @Column('uuid', { name: 'principal_id', nullable: true }) principalId!: string | null;
  @Column('text') role!: Role;
  @Column('uuid', { name: 'unit_id', nullable: true }) unitId!: string | null;
  /** The synchronizer token every change made through this session must carry (x-csrf-token). */
  @Column('text', { name: 'csrf_token' }) csrfToken!: string;
  @Column('text', { nullable: true }) ip!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @Column('timestamptz', { name: 'ended_at', nullable: true }) endedAt!: Date | null;
  @Column('text', { name: 'ended_reason', nullable: true }) endedReason!: string | null;
}
