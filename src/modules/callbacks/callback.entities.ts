import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn, VersionColumn } from 'typeorm';
import type { SatisfactionLevel } from '../settings/settings.catalogue';

export const CALLBACK_STATES = ['pending', 'done', 'unreachable', 'cancelled'] as const;
export type CallbackState = (typeof CALLBACK_STATES)[number];
export type AttemptResult = SatisfactionLevel | 'unreachable';

/** 回访: the centre's call to the citizen about one reply, charged to the unit that replied. */
@Entity({ name: 'callbacks' })
export class Callback {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'work_order_id' }) workOrderId!: string;
  /** 1 for the first reply, 2 for the reply after a redo, ... */
  @Column('integer') cycle!: number;
  @Column('uuid', { name: 'unit_id' }) unitId!: string;
  @Column('timestamptz', { name: 'replied_at' }) repliedAt!: Date;
  @Column('timestamptz', { name: 'due_at' }) dueAt!: Date;
  @Column('text') state!: CallbackState;
  @Column('integer') attempts!: number;
  @Column('text', { nullable: true }) satisfaction!: SatisfactionLevel | null;
  /** For an unsatisfied result: was the cause on the unit's side (then the order is redone)? */
  @Column('boolean', { name: 'unit_fault', nullable: true }) unitFault!: boolean | null;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt!: Date | null;
  @Column('boolean') exempt!: boolean;
  @VersionColumn() version!: number;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}

@Entity({ name: 'callback_attempts' })
export class CallbackAttempt {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'callback_id' }) callbackId!: string;
  @Column('integer') number!: number;
  @Column('timestamptz') at!: Date;
  @Column('text', { name: 'by_name' }) byName!: string;
  @Column('text') result!: AttemptResult;
  @Column('boolean', { name: 'unit_fault', nullable: true }) unitFault!: boolean | null;
  @Column('text') notes!: string;
}

export const EXEMPTION_STATES = ['requested', 'approved', 'refused'] as const;
export type ExemptionState = (typeof EXEMPTION_STATES)[number];

/** 核减: a unit asks that an order leave its figures (the demand was unlawful or unreasonable); the centre decides. */
@Entity({ name: 'exemptions' })
export class Exemption {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'work_order_id' }) workOrderId!: string;
  @Column('uuid', { name: 'unit_id' }) unitId!: string;
  @Column('text') reason!: string;
  @Column('text') state!: ExemptionState;
  @Column('text', { name: 'requested_by' }) requestedBy!: string;
  @Column('timestamptz', { name: 'requested_at' }) requestedAt!: Date;
  @Column('text', { name: 'decided_by', nullable: true }) decidedBy!: string | null;
  @Column('timestamptz', { name: 'decided_at', nullable: true }) decidedAt!: Date | null;
  @Column('text', { name: 'decision_note', nullable: true }) decisionNote!: string | null;
}
