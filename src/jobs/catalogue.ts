/**
 * The typed catalogue of jobs: one name, one data shape, exactly one handler.
 * Handlers must be safe to run twice: the database, not the queue, says what is due.
 */
export interface JobData {
  /** Deliver one webhook_deliveries row to its unit's webhook. */
  'webhook.deliver': { deliveryId: string };
  /** Do whatever is due for one deadline milestone now: warn, mark overdue, urge, escalate. */
  'deadline.check': { milestoneId: string };
  /**
   * Route new orders, each in its own transaction: dispatch it when the router is sure, else put
   * it in the triage queue. Intake queues one job for the orders of one group commit; the sweep one
   * per order. `workOrderId` alone: a job queued by a version before these batches.
   */
  'routing.route': { workOrderIds: string[] } | { workOrderId: string };
  /**
   * Train a routing model from the labelled examples, closed orders and corrections, for the
   * training run `runId` (absent in jobs queued before runs existed); its evaluation decides whether it becomes active.
   */
  'routing.train': { requestedBy: string; runId?: string };
}
export type JobName = keyof JobData;
export const JOB_NAMES: readonly JobName[] = ['webhook.deliver', 'deadline.check', 'routing.route', 'routing.train'];

export type JobHandlers = { [N in JobName]: (data: JobData[N]) => Promise<void> };

export interface EnqueueOptions {
  /** A fixed id: a job already waiting under this id is not queued twice. */
  jobId?: string;
  delayMs?: number;
}

/** The job seam: bull on Redis, or in-process timers on the embedded default. */
export interface JobQueue {
  readonly kind: 'bull' | 'in-process';
  enqueue<N extends JobName>(name: N, data: JobData[N], options?: EnqueueOptions): Promise<void>;
  /** Starts consuming jobs with these handlers (a worker process, or the API on the embedded default). */
  consume(handlers: JobHandlers): void;
  ping(): Promise<void>;
  /** Resolves once no job is waiting to run now or running (delayed jobs further out are not waited for). */
  settled(): Promise<void>;
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
}

/**
 * A job that failed because the database was away, or because its transaction lost a race with
 * another (a deadlock, a serialization failure), is tried again, the first time after
 * `firstDelayMs`, then after twice as long each time: 1, 2, 4 … 64 s, about two minutes in all.
 * After that, or after any other failure, the sweep re-derives the work from the database.
 */
export const OUTAGE_RETRY = { attempts: 8, firstDelayMs: 1_000 };

export function assertCompleteHandlers(handlers: Partial<JobHandlers>): asserts handlers is JobHandlers {
  const missing = JOB_NAMES.filter((n) => typeof handlers[n] !== 'function');
  if (missing.length > 0) throw new Error(`no handler for jobs: ${missing.join(', ')}`);
}
