import { WorkOrderCore1764000000000 } from './1764000000000-work-order-core';
import { Settings1764050000000 } from './1764050000000-settings';
import { Deadlines1764100000000 } from './1764100000000-deadlines';
import { Routing1764200000000 } from './1764200000000-routing';
import { RoutingModels1764300000000 } from './1764300000000-routing-models';
import { Repeats1764400000000 } from './1764400000000-repeats';
import { Assessment1764500000000 } from './1764500000000-assessment';
import { RoutingOutcomes1764600000000 } from './1764600000000-routing-outcomes';
import { SlipNotices1764800000000 } from './1764800000000-slip-notices';
import { MilestoneEscalation1764700000000 } from './1764700000000-milestone-escalation';
import { RoutingAutoDispatched1764900000000 } from './1764900000000-routing-auto-dispatched';
import { Search1765000000000 } from './1765000000000-search';

/** Every migration, in order; listed by hand so that ts-jest and the compiled build load the same set. */
export const migrations = [WorkOrderCore1764000000000, Settings1764050000000, Deadlines1764100000000, Routing1764200000000, RoutingModels1764300000000, Repeats1764400000000, Assessment1764500000000, RoutingOutcomes1764600000000, MilestoneEscalation1764700000000, SlipNotices1764800000000, RoutingAutoDispatched1764900000000, Search1765000000000];
