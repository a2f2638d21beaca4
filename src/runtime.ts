import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config';
import { openDatabase, type Database } from './db/database';
import { entities } from './entities';
import { isDatabaseUnavailable } from './db/unavailable';
import { assertCompleteHandlers, type JobData, type JobQueue } from './jobs/catalogue';
import { InProcessQueue } from './jobs/in-process-queue';
import { AccountService } from './modules/auth/account.service';
import { PrincipalService } from './modules/auth/principal.service';
import { DirectoryService } from './modules/directory/directory.service';
import { WebhookService } from './modules/notifications/webhook.service';
import { WorkOrderService } from './modules/work-orders/work-order.service';
import { DeadlineService } from './modules/deadlines/deadline.service';
import { SettingsService } from './modules/settings/settings.service';
import { SupervisionService } from './modules/supervision/supervision.service';
import { RoutingService } from './modules/routing/routing.service';
import { RepeatService } from './modules/repeats/repeat.service';
import { CallbackService } from './modules/callbacks/callback.service';
import { AssessmentService } from './modules/assessment/assessment.service';

export interface Services {
  db: Database;
  jobs: JobQueue;
  principals: PrincipalService;
  accounts: AccountService;
  directory: DirectoryService;
  webhooks: WebhookService;
  workOrders: WorkOrderService;
  settings: SettingsService;
  deadlines: DeadlineService;
  supervision: SupervisionService;
  routing: RoutingService;
  repeats: RepeatService;
  callbacks: CallbackService;
  assessment: AssessmentService;
}

/** The adapters the configuration asks for: PostgreSQL or PGlite, bull or in-process jobs. */
export async function openAdapters(config: Config, log: FastifyBaseLogger): Promise<{ db: Database; jobs: JobQueue }> {
  const db = await openDatabase(config, entities);
  // bull is loaded only when Redis is configured: it is half a second of start-up otherwise.
  const jobs = config.REDIS_URL ? new (await import('./jobs/bull-queue')).BullQueue(config.REDIS_URL, config.REDIS_PREFIX, log) : new InProcessQueue(log);
  return { db, jobs };
}

/** The services on the adapters; `now` is the clock every rule reads (tests move it). */
export function createServices(config: Config, db: Database, jobs: JobQueue, log: FastifyBaseLogger, now: () => Date = () => new Date()): Services {
  const webhooks = new WebhookService(db, jobs, config, log, now);
  const workOrders = new WorkOrderService(db, now, log, { maxSkewMinutes: config.INTAKE_MAX_SKEW_MINUTES, maxAgeDays: config.INTAKE_MAX_AGE_DAYS }, config.SEARCH_HASH_KEY);
  const settings = new SettingsService(db, now);
  const deadlines: DeadlineService = new DeadlineService(db, workOrders, jobs, webhooks, () => supervision, config, log, now);
  const supervision = new SupervisionService(db, workOrders, settings, deadlines, webhooks, config.TZ_BUREAU, now);
  const repeats = new RepeatService(db, workOrders, settings, supervision, now);
  const routing = new RoutingService(db, workOrders, settings, jobs, repeats, now);
  const callbacks = new CallbackService(db, workOrders, settings, supervision);
  // The modules that follow orders, in the order they run inside each change's transaction
  // (the one place it is set). None reads what another writes; the order fixes the order of
  // their writes and which refusal comes first:
  // - deadlines first: its amend sets the return window in the action's own write, and the
  //   milestones the change opens or meets are written before anything that reacts to it;
  // - supervision next: a slip raised by a rule (difficult, failed redo, repeats) records its
  //   escalate event and owes it to the unit right after the action;
  // - routing, repeats and callbacks: their own tables and columns (the router's verdict, the
  //   repeat links an order merged away leaves behind, the callback task);
  // - webhooks last: it owes the action's event to the units concerned, once all that the
  //   change caused is written.
  workOrders.observe([deadlines.observer, supervision.observer, routing.observer, repeats.observer, callbacks.observer, webhooks.observer]);
  workOrders.showDeadlines((m, ids, now) => deadlines.milestonesOf(m, ids, now));
  workOrders.showSlips((m, ids, now, actor) => supervision.slipsOf(m, ids, now, actor));
  return {
    db,
    jobs,
    principals: new PrincipalService(db, config.AUTH_CACHE_MS),
    accounts: new AccountService(db, settings, { N: config.PASSWORD_SCRYPT_N, r: 8, p: 3 }, config.SESSION_HOURS, now),
    directory: new DirectoryService(db, now),
    webhooks,
    workOrders,
    settings,
    deadlines,
    supervision,
    routing,
    repeats,
    callbacks,
    assessment: new AssessmentService(db, settings, repeats, config.TZ_BUREAU, now),
  };
}

/** Start-up, in every process: the database counts the bureau's months in TZ_BUREAU. */
export async function adoptBureauTimeZone(services: Services, log: FastifyBaseLogger): Promise<void> {
  const zone = await services.assessment.adoptTimeZone();
  if (zone.rebuilt) log.warn(zone, 'the bureau time zone changed: monthly tallies rebuilt in the new zone');
}

/**
 * Consumes jobs and runs the periodic sweep that re-derives due work from the
 * database. Returns a stop function that waits for the running sweep.
 */
export function startJobs(services: Services, config: Config, log: FastifyBaseLogger): () => Promise<void> {
  const handlers = {
    'webhook.deliver': (d: { deliveryId: string }) => services.webhooks.deliver(d.deliveryId),
    'deadline.check': (d: { milestoneId: string }) => services.deadlines.check(d.milestoneId),
    'routing.route': (d: JobData['routing.route']) => services.routing.routeOrders('workOrderIds' in d ? d.workOrderIds : [d.workOrderId]),
    'routing.train': async (d: { requestedBy: string; runId?: string }) => {
      const model = await services.routing.runTraining(d.requestedBy, d.runId);
      log.info({ run: d.runId ?? null, model: model?.version ?? null, trainedOn: model?.trainedOn ?? 0 }, 'routing model trained');
    },
  };
  assertCompleteHandlers(handlers);
  services.jobs.consume(handlers);
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    // A failed sweep (the database away) is logged and the timer goes on: the next one catches up.
    running = Promise.all([services.webhooks.sweep(), services.deadlines.sweep(), services.supervision.sweep(), services.routing.sweep()]).catch((err: unknown) =>
      isDatabaseUnavailable(err) ? log.warn({ err }, 'sweep waits for the database') : log.error({ err }, 'sweep failed'),
    );
  };
  const timer = setInterval(sweep, config.SWEEP_INTERVAL_MS);
  timer.unref();
  sweep();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
