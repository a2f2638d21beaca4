import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const UNIT_KINDS = ['brigade', 'station', 'centre', 'agency', 'utility', 'subdistrict'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** Kinds that are part of the police sub-bureau; the rest are partner agencies (转办 targets). */
export const POLICE_UNIT_KINDS: readonly UnitKind[] = ['brigade', 'station', 'centre'];

export interface UnitContact {
  /** The unit's chief (主要负责人): handler of its supervision slips. */
  chief?: string;
  /** The unit's deputy director (分管负责人): supervisor of its supervision slips. */
  deputy?: string;
  person?: string;
  phone?: string;
  email?: string;
}

/** A handling unit: a brigade (大队), a police station (派出所) or a partner agency. */
@Entity({ name: 'units' })
export class Unit {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') code!: string;
  @Column('text') name!: string;
  @Column('text') kind!: UnitKind;
  @Column('uuid', { name: 'parent_id', nullable: true }) parentId!: string | null;
  @Column('boolean') active!: boolean;
  @Column('jsonb') contact!: UnitContact;
  /** Place names (sub-districts, towns, communities, villages) of a station's area. */
  @Column('text', { array: true }) jurisdiction!: string[];
  @Column('text', { name: 'webhook_url', nullable: true }) webhookUrl!: string | null;
  @Column('text', { name: 'webhook_secret', nullable: true }) webhookSecret!: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}
