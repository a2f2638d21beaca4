import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const ROLES = ['operator', 'unit', 'commander', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Someone holding an API token: an operator, a unit's staff, a commander or an administrator. */
@Entity({ name: 'principals' })
export class Principal {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text') role!: Role;
  @Column('uuid', { name: 'unit_id', nullable: true }) unitId!: string | null;
  /** SHA-256 of the token; the token itself is shown once, at creation. */
  @Column('text', { name: 'token_hash' }) tokenHash!: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
}
