import { WorkOrderCore1764000000000 } from './1764000000000-work-order-core';
import { Settings1764050000000 } from './1764050000000-settings';
import { Deadlines1764100000000 } from './1764100000000-deadlines';
import { Routing1764200000000 } from './1764200000000-routing';
import { RoutingModels1764300000000 } from './1764300000000-routing-models';
import { Repeats1764400000000 } from './1764400000000-repeats';
import { Assessment1764500000000 } from './1764500000000-assessment';
import { RoutingOutcomes1764600000000 } from './1764600000000-routing-outcomes';
import { MilestoneEscalation1764700000000 } from './1764700000000-milestone-escalation';
import { SlipNotices1764800000000 } from './1764800000000-slip-notices';
import { RoutingAutoDispatched1764900000000 } from './1764900000000-routing-auto-dispatched';
import { AccountsSessions1765000000000 } from './1765000000000-accounts-sessions';
import { BureauTimeZone1765010000000 } from './1765010000000-bureau-time-zone';
import { Search1765020000000 } from './1765020000000-search';
import { CalendarStatutory1765040000000 } from './1765040000000-calendar-statutory';
import { RoutingModelEvaluation1765100000000 } from './1765100000000-routing-model-evaluation';
import { NoiseCheckUnit1765110000000 } from './1765110000000-noise-check-unit';
import { ExternalNoFirst1765120000000 } from './1765120000000-external-no-first';
import { RoutingTrainingRuns1765130000000 } from './1765130000000-routing-training-runs';

/** Every migration, in order; listed by hand so that ts-jest and the compiled build load the same set. */
export const migrations = [
  WorkOrderCore1764000000000,
  Settings1764050000000,
  Deadlines1764100000000,
  Routing1764200000000,
  RoutingModels1764300000000,
  Repeats1764400000000,
  Assessment1764500000000,
  RoutingOutcomes1764600000000,
  MilestoneEscalation1764700000000,
  SlipNotices1764800000000,
  RoutingAutoDispatched1764900000000,
  AccountsSessions1765000000000,
  BureauTimeZone1765010000000,
  Search1765020000000,
  CalendarStatutory1765040000000,
  RoutingModelEvaluation1765100000000,
  NoiseCheckUnit1765110000000,
  ExternalNoFirst1765120000000,
  RoutingTrainingRuns1765130000000,
];
