import { Account, Session, SignIn } from './modules/auth/account.entity';
import { Principal } from './modules/auth/principal.entity';
import { CalendarDayRow, DeadlinePolicyRow, MilestoneRow, UrgeRow } from './modules/deadlines/deadline.entities';
import { Unit } from './modules/directory/unit.entity';
import { WebhookDelivery } from './modules/notifications/webhook-delivery.entity';
import { Setting } from './modules/settings/setting.entity';
import { Callback, CallbackAttempt, Exemption } from './modules/callbacks/callback.entities';
import { NoiseSource, NoiseSourceCheck } from './modules/repeats/noise-source.entity';
import { RoutingDecisionRow, RoutingKnowledgeRow, RoutingModelRow } from './modules/routing/routing-decision.entity';
import { SupervisionSlip, SupervisionSlipNote, SupervisionSlipOrder, SupervisionTrigger } from './modules/supervision/slip.entity';
import { WorkOrder, WorkOrderEvent } from './modules/work-orders/work-order.entity';

/**
 * Every feature module's entities. The composition root (runtime.ts, and the tests and benches
 * that assemble the service themselves) hands this list to the database, so that src/db knows
 * how to store things but not which things a feature has.
 */
export const entities = [
  Unit,
  Principal,
  Account,
  SignIn,
  Session,
  WorkOrder,
  WorkOrderEvent,
  WebhookDelivery,
  Setting,
  CalendarDayRow,
  DeadlinePolicyRow,
  MilestoneRow,
  UrgeRow,
  SupervisionSlip,
  SupervisionSlipOrder,
  SupervisionTrigger,
  SupervisionSlipNote,
  RoutingDecisionRow,
  RoutingKnowledgeRow,
  RoutingModelRow,
  NoiseSource,
  NoiseSourceCheck,
  Callback,
  CallbackAttempt,
  Exemption,
];
