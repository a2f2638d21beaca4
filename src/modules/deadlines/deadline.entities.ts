import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { CalendarSource } from './calendar-year';
import type { Limit, Milestone, PolicyRules } from './policy';

/** One exception to the Monday–Friday week. */
@Entity({ name: 'calendar_days' })
export class CalendarDayRow {
  /** YYYY-MM-DD in the bureau's time zone. */
  @PrimaryColumn('date') day!: string;
  @Column('text') kind!: 'holiday' | 'workday';
  @Column('text') name!: string;
  /**
   * 'package': seeded from chinese-days; 'admin': entered or changed through the API;
   * 'statutory': derived from the 办法 for a year without its notice, provisional.
   */
  @Column('text') source!: CalendarSource;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

@Entity({ name: 'deadline_policies' })
export class DeadlinePolicyRow {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'request_type', nullable: true }) requestType!: string | null;
  @Column('text', { nullable: true }) urgency!: string | null;
  @Column('text', { nullable: true }) category!: string | null;
  @Column('jsonb') rules!: PolicyRules;
  @Column('boolean') active!: boolean;
  @Column('integer') version!: number;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

/** A deadline of one order for one unit: sign, reply or close, with its outcome, charged to that unit. */
@Entity({ name: 'work_order_milestones' })
export class MilestoneRow {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'work_order_id' }) workOrderId!: string;
  @Column('text') milestone!: Milestone;
  /** The order's version when the milestone opened: one set per dispatch or redo. */
  @Column('integer') cycle!: number;
  /** The unit that held the order: a breach stays with it after a transfer. */
  @Column('uuid', { name: 'unit_id' }) unitId!: string;
  @Column('uuid', { name: 'policy_id', nullable: true }) policyId!: string | null;
  @Column('jsonb', { name: 'limit_rule' }) limitRule!: Limit;
  @Column('timestamptz', { name: 'starts_at' }) startsAt!: Date;
  @Column('timestamptz', { name: 'due_at' }) dueAt!: Date;
  @Column('timestamptz', { name: 'warn_at' }) warnAt!: Date;
  @Column('integer', { name: 'extended_days' }) extendedDays!: number;
  @Column('text') state!: 'open' | 'met' | 'cancelled';
  @Column('timestamptz', { name: 'met_at', nullable: true }) metAt!: Date | null;
  @Column('timestamptz', { name: 'ended_at', nullable: true }) endedAt!: Date | null;
  /** How late it ended (0: on time); null while open. */
  @Column('bigint', { name: 'late_ms', nullable: true }) lateMs!: string | null;
  @Column('timestamptz', { name: 'warned_at', nullable: true }) warnedAt!: Date | null;
  @Column('timestamptz', { name: 'overdue_at', nullable: true }) overdueAt!: Date | null;
  @Column('integer', { name: 'urge_count' }) urgeCount!: number;
  @Column('timestamptz', { name: 'next_urge_at', nullable: true }) nextUrgeAt!: Date | null;
  /** When an overdue milestone not yet escalated is escalated (a supervision slip); null otherwise. */
  @Column('timestamptz', { name: 'escalate_at', nullable: true }) escalateAt!: Date | null;
  @Column('timestamptz', { name: 'escalated_at', nullable: true }) escalatedAt!: Date | null;
  /** 核减: an approved exemption takes the milestone out of the unit's assessment. */
  @Column('boolean') exempt!: boolean;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}

/** 催办: one urge of one milestone, numbered; the unique number makes each urge happen once. */
@Entity({ name: 'urges' })
export class UrgeRow {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'milestone_id' }) milestoneId!: string;
  @Column('uuid', { name: 'work_order_id' }) workOrderId!: string;
  @Column('uuid', { name: 'unit_id' }) unitId!: string;
  @Column('integer') number!: number;
  @Column('timestamptz') at!: Date;
}
