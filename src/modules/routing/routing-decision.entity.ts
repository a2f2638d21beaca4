import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { EvaluationReport } from './evaluation';
import type { TextModelData } from './model';
import type { Knowledge, RoutingDecision } from './router';

export const ROUTING_OUTCOMES = ['auto_dispatched', 'triage', 'confirmed', 'corrected', 'withdrawn'] as const;
export type RoutingOutcome = (typeof ROUTING_OUTCOMES)[number];

/** What the router said about an order on intake, and what became of it. */
@Entity({ name: 'routing_decisions' })
export class RoutingDecisionRow {
  @PrimaryColumn('uuid', { name: 'work_order_id' }) workOrderId!: string;
  @Column('boolean') police!: boolean;
  @Column('text', { name: 'suggested_unit_code', nullable: true }) suggestedUnitCode!: string | null;
  @Column('double precision') confidence!: number;
  @Column('jsonb') decision!: RoutingDecision;
  @Column('text', { name: 'knowledge_version' }) knowledgeVersion!: string;
  @Column('text', { name: 'model_version', nullable: true }) modelVersion!: string | null;
  /** auto_dispatched; triage (waiting for an operator); confirmed or corrected by the operator's dispatch; withdrawn (merged or cancelled first). */
  @Column('text') outcome!: RoutingOutcome;
  /** The router dispatched it by itself; stays true when an operator corrects it later. */
  @Column('boolean', { name: 'auto_dispatched' }) autoDispatched!: boolean;
  @Column('timestamptz', { name: 'decided_at' }) decidedAt!: Date;
  @Column('text', { name: 'resolved_unit_code', nullable: true }) resolvedUnitCode!: string | null;
  @Column('text', { name: 'resolved_by', nullable: true }) resolvedBy!: string | null;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt!: Date | null;
}

/** A version of the routing knowledge (duty lists, police scope, gazetteer); one is active. */
@Entity({ name: 'routing_knowledge' })
export class RoutingKnowledgeRow {
  @PrimaryColumn('text') version!: string;
  @Column('jsonb') data!: Knowledge;
  @Column('boolean') active!: boolean;
  @Column('text') note!: string;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'activated_at', nullable: true }) activatedAt!: Date | null;
}

/** What a model was trained on, by source. */
export interface TrainingSources {
  imported: number;
  corrections: number;
  closedOrders: number;
}

/** A trained text model; one is active at a time, and an older one can be switched back to. */
@Entity({ name: 'routing_models' })
export class RoutingModelRow {
  @PrimaryColumn('text') version!: string;
  @Column('jsonb') data!: TextModelData;
  @Column('integer', { name: 'trained_on' }) trainedOn!: number;
  @Column('text', { array: true }) labels!: string[];
  @Column('jsonb') sources!: TrainingSources;
  @Column('boolean') active!: boolean;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'activated_at', nullable: true }) activatedAt!: Date | null;
  /** How it did on held-back examples against the model in force when it was trained; null for models trained before. */
  @Column('jsonb', { nullable: true }) evaluation!: EvaluationReport | null;
}

export const MODEL_ACTIONS = ['activated', 'kept', 'activated_by_admin', 'deactivated', 'replaced'] as const;
export type ModelAction = (typeof MODEL_ACTIONS)[number];
