import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn, VersionColumn } from 'typeorm';

export const NOISE_KINDS = ['square_dance', 'loudspeaker', 'venue', 'neighbour', 'shop', 'construction', 'dogs', 'traffic', 'other'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

/** 噪音源: one place that draws noise complaints, registered so that checks and repeats gather on it. */
@Entity({ name: 'noise_sources' })
export class NoiseSource {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') place!: string;
  /** The place key of `place` (similarity.ts): orders at the same place are linked to the source. */
  @Column('text', { name: 'place_key' }) placeKey!: string;
  @Column('text') kind!: NoiseKind;
  /** Who runs it: the square-dance team's organiser, the shop's owner. */
  @Column('text') organiser!: string;
  @Column('text') contact!: string;
  @Column('text') note!: string;
  @Column('boolean') active!: boolean;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('text', { name: 'updated_by' }) updatedBy!: string;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  @VersionColumn() version!: number;
}

/** A check made at a noise source: when, by whom, what was found and done. */
@Entity({ name: 'noise_source_checks' })
export class NoiseSourceCheck {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'noise_source_id' }) noiseSourceId!: string;
  @Column('timestamptz', { name: 'checked_at' }) checkedAt!: Date;
  @Column('text', { name: 'checked_by' }) checkedBy!: string;
  @Column('text') result!: string;
  @Column('text', { name: 'recorded_by' }) recordedBy!: string;
  /** The unit whose staff recorded it; null when centre staff did. A unit reads only its own checks. */
  @Column('uuid', { name: 'recorded_by_unit_id', nullable: true }) recordedByUnitId!: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}
