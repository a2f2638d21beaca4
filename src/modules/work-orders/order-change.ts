import type { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import type { Action } from './lifecycle';
import type { ActionInput, WorkOrderView } from './work-order.schemas';
import type { WorkOrder } from './work-order.entity';

/*
 * What the work-orders module offers the modules that follow orders (deadlines, supervision,
 * routing, repeats, notifications, callbacks): the unit of work, the change, the observer,
 * and what they add to an order's view. They import it; work-orders imports none of them.
 */

/** A unit of work on orders: its transaction, its clock, and what to do once it has committed. */
export interface OrderTx {
  m: EntityManager;
  now: Date;
  afterCommit(task: () => Promise<void>): void;
}

/** Columns an observer may set on the order in the same write as an action. */
export type Changes = Partial<
  Pick<
    WorkOrder,
    'leadUnitId' | 'assistingUnitIds' | 'holderUnitIds' | 'dispatchCount' | 'pendingReturn' | 'pendingExtension' | 'reply' | 'closedAt' | 'mergedIntoId' | 'difficult' | 'returnDueAt'
  >
>;

export interface OrderChange {
  before: WorkOrder;
  after: WorkOrder;
  action: Action;
  actor: Actor;
  input: ActionInput;
  eventId: string;
}

/**
 * A module that follows orders (notifications, deadlines, routing). It runs inside the
 * order's transaction, so what it writes commits or rolls back with the change.
 */
export interface OrderObserver {
  /** May act on the new order (for example dispatch it) and return it as it is now. */
  orderCreated?(tx: OrderTx, order: WorkOrder, actor: Actor): Promise<WorkOrder | void>;
  /**
   * After new orders are committed, outside any transaction (for example: queue a job about
   * them): the orders one intake statement wrote together (a group commit), or one alone.
   */
  afterIntake?(orders: WorkOrder[]): Promise<void>;
  /** Columns this module sets on the order in the same write as the action (no second version). */
  amend?(tx: OrderTx, order: WorkOrder, action: Action): Promise<Changes>;
  orderChanged?(tx: OrderTx, change: OrderChange): Promise<void>;
}

/** The triggers and states of a supervision slip (督办单), as an order's view shows them. */
export const SLIP_TRIGGERS = ['difficult', 'overdue', 'redo_failed', 'repeats', 'commander'] as const;
export const SLIP_STATES = ['open', 'result_submitted', 'closed'] as const;

/** A supervision slip as an order's view shows it. */
export type OrderSlip = WorkOrderView['slips'][number];

/** A milestone with its deadline, as the deadlines module gives it: the view's deadline, naming its unit by id. */
export type MilestoneView = Omit<WorkOrderView['deadlines'][number], 'unit'> & { unitId: string };

/** The deadlines module's milestones of each order, for its view. */
export type MilestoneSource = (m: EntityManager, orderIds: string[], now: Date) => Promise<Map<string, MilestoneView[]>>;
/** The supervision module's slips over each order, for its view. */
export type SlipSource = (m: EntityManager, orderIds: string[], now: Date, actor: Actor) => Promise<Map<string, OrderSlip[]>>;
