import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn, VersionColumn } from 'typeorm';
import { SLIP_STATES, SLIP_TRIGGERS } from '../work-orders/order-change';

/** Declared with the order's view, which shows them (work-orders imports nothing from supervision). */
export { SLIP_STATES, SLIP_TRIGGERS };
export type SlipTrigger = (typeof SLIP_TRIGGERS)[number];
export type SlipState = (typeof SLIP_STATES)[number];
export const NOTE_KINDS = ['progress', 'chief_callback', 'result', 'sign_off', 'reopen'] as const;
export type NoteKind = (typeof NOTE_KINDS)[number];

export interface ChiefCallback {
  calledAt: string;
  satisfaction: string;
  text: string;
  by: string;
}

/** 局长督办单: a director supervision slip over one or more orders of one handling unit. */
@Entity({ name: 'supervision_slips' })
export class SupervisionSlip {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('integer') year!: number;
  @Column('integer') number!: number;
  @Column('text') title!: string;
  @Column('text') trigger!: SlipTrigger;
  @Column('text') reason!: string;
  @Column('uuid', { name: 'unit_id' }) unitId!: string;
  /** The office director (办公室主任). */
  @Column('text', { name: 'lead_name' }) leadName!: string;
  /** The handling unit's deputy director. */
  @Column('text', { name: 'supervisor_name' }) supervisorName!: string;
  /** The handling unit's chief, who also calls the citizen back. */
  @Column('text', { name: 'handler_name' }) handlerName!: string;
  @Column('timestamptz', { name: 'due_at' }) dueAt!: Date;
  @Column('text') state!: SlipState;
  @Column('jsonb', { name: 'chief_callback', nullable: true }) chiefCallback!: ChiefCallback | null;
  @Column('text', { nullable: true }) result!: string | null;
  @Column('text', { name: 'raised_by' }) raisedBy!: string;
  @Column('text', { name: 'closed_by', nullable: true }) closedBy!: string | null;
  @Column('timestamptz', { name: 'closed_at', nullable: true }) closedAt!: Date | null;
  /** When the handling unit was warned of the slip's deadline, and told it had passed. */
  @Column('timestamptz', { name: 'warned_at', nullable: true }) warnedAt!: Date | null;
  @Column('timestamptz', { name: 'overdue_at', nullable: true }) overdueAt!: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @VersionColumn() version!: number;
}

@Entity({ name: 'supervision_slip_orders' })
export class SupervisionSlipOrder {
  @PrimaryColumn('uuid', { name: 'slip_id' }) slipId!: string;
  @PrimaryColumn('uuid', { name: 'work_order_id' }) workOrderId!: string;
}

/** The rule that raised a slip for an order: at most one slip per order and trigger. */
@Entity({ name: 'supervision_triggers' })
export class SupervisionTrigger {
  @PrimaryColumn('uuid', { name: 'work_order_id' }) workOrderId!: string;
  @PrimaryColumn('text') trigger!: SlipTrigger;
  @Column('uuid', { name: 'slip_id' }) slipId!: string;
}

@Entity({ name: 'supervision_slip_notes' })
export class SupervisionSlipNote {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'slip_id' }) slipId!: string;
  @Column('text') kind!: NoteKind;
  @Column('text') text!: string;
  @Column('text', { name: 'author_name' }) authorName!: string;
  @Column('text', { name: 'author_role' }) authorRole!: string;
  @Column('timestamptz') at!: Date;
}
