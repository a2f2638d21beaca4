import { Column, Entity, PrimaryGeneratedColumn, VersionColumn } from 'typeorm';
import type { State } from './lifecycle';

export const SOURCES = ['phone', 'web', 'wechat', 'transfer_110', 'walk_in', 'app'] as const;
export type Source = (typeof SOURCES)[number];
/** 诉求类型 */
export const REQUEST_TYPES = ['consultation', 'help', 'complaint', 'report', 'suggestion', 'praise', 'other'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];
/** 紧急程度: 一般 紧急 特急 */
export const URGENCIES = ['normal', 'urgent', 'critical'] as const;
export type Urgency = (typeof URGENCIES)[number];
/** Reply results; "closed" is kept apart from "resolved" (domain.md §10). */
export const REPLY_RESULTS = ['resolved', 'partly_resolved', 'unresolved', 'explained'] as const;
export type ReplyResult = (typeof REPLY_RESULTS)[number];

export interface PendingReturn {
  reason: string;
  unitId: string;
  fromState: State;
  requestedAt: string;
}

export interface PendingExtension {
  workingDays: number;
  reason: string;
  unitId: string;
  requestedAt: string;
}

export interface Reply {
  result: ReplyResult;
  text: string;
  unitId: string;
  repliedAt: string;
}

/** 工单: one citizen request from the 12345 platform. */
@Entity({ name: 'work_orders' })
export class WorkOrder {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') source!: Source;
  @Column('text', { name: 'external_no' }) externalNo!: string;
  /** SHA-256 of the intake body, to tell a retried submission from a conflicting one. */
  @Column('text', { name: 'intake_digest' }) intakeDigest!: string;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
  @Column('text', { name: 'request_type' }) requestType!: RequestType;
  @Column('text') urgency!: Urgency;
  @Column('text', { name: 'citizen_name' }) citizenName!: string;
  @Column('text', { name: 'citizen_phone' }) citizenPhone!: string;
  @Column('boolean') confidential!: boolean;
  @Column('text') content!: string;
  @Column('text') address!: string;
  @Column('text', { nullable: true }) category!: string | null;
  @Column('double precision', { nullable: true }) latitude!: number | null;
  @Column('double precision', { nullable: true }) longitude!: number | null;
  @Column('jsonb') attachments!: string[];
  @Column('text') state!: State;
  @Column('uuid', { name: 'lead_unit_id', nullable: true }) leadUnitId!: string | null;
  @Column('uuid', { name: 'assisting_unit_ids', array: true }) assistingUnitIds!: string[];
  /** Every unit that has held the order, lead or assisting: their staff may still read it. */
  @Column('uuid', { name: 'holder_unit_ids', array: true }) holderUnitIds!: string[];
  @Column('integer', { name: 'dispatch_count' }) dispatchCount!: number;
  @Column('jsonb', { name: 'pending_return', nullable: true }) pendingReturn!: PendingReturn | null;
  @Column('jsonb', { name: 'pending_extension', nullable: true }) pendingExtension!: PendingExtension | null;
  @Column('jsonb', { nullable: true }) reply!: Reply | null;
  @Column('timestamptz', { name: 'closed_at', nullable: true }) closedAt!: Date | null;
  @Column('uuid', { name: 'merged_into_id', nullable: true }) mergedIntoId!: string | null;
  /** The address's place key (repeats/similarity.ts), to find repeats about the same place. */
  @Column('text', { name: 'place_key' }) placeKey!: string;
  /** 重复件: the earlier order this one repeats, linked on intake; the operator may merge it. */
  @Column('uuid', { name: 'repeat_of_id', nullable: true }) repeatOfId!: string | null;
  /** The registered noise source the order is about. */
  @Column('uuid', { name: 'noise_source_id', nullable: true }) noiseSourceId!: string | null;
  /** 疑难: marked difficult by the centre; raises a supervision slip. */
  @Column('boolean') difficult!: boolean;
  /** Until when the lead unit may return the order (退单), by the deadline policy. */
  @Column('timestamptz', { name: 'return_due_at', nullable: true }) returnDueAt!: Date | null;
  @VersionColumn() version!: number;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt!: Date;
}

/** One recorded change of a work order: who, when, what, why. */
@Entity({ name: 'work_order_events' })
export class WorkOrderEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'work_order_id' }) workOrderId!: string;
  /** The order's version after this change (notices by the system leave it as it was). */
  @Column('integer') version!: number;
  @Column('text') action!: string;
  @Column('text', { name: 'from_state', nullable: true }) fromState!: State | null;
  @Column('text', { name: 'to_state' }) toState!: State;
  @Column('uuid', { name: 'actor_id', nullable: true }) actorId!: string | null;
  @Column('text', { name: 'actor_name' }) actorName!: string;
  @Column('text', { name: 'actor_role' }) actorRole!: string;
  @Column('uuid', { name: 'actor_unit_id', nullable: true }) actorUnitId!: string | null;
  @Column('text', { nullable: true }) reason!: string | null;
  @Column('jsonb') details!: Record<string, unknown>;
  @Column('timestamptz', { default: () => 'now()' }) at!: Date;
}
