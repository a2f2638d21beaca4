import Bull from 'bull';
import type { FastifyBaseLogger } from 'fastify';
import { isTransient } from '../db/unavailable';
import { withTimeout } from '../timeout';
import { OUTAGE_RETRY, JOB_NAMES, type EnqueueOptions, type JobData, type JobHandlers, type JobName, type JobQueue } from './catalogue';

/**
 * How long jobs being queued wait for Redis before their callers are told it is away. The work
 * they stand for is already committed, and the sweep queues it again from the database; a
 * request that queues a job after its commit (intake's routing job) answers no later than this.
 */
const ENQUEUE_TIMEOUT_MS = 5_000;
/** ioredis's states once a connection is lost: a command would wait in its offline queue until Redis is back, minutes perhaps. */
const REDIS_AWAY = new Set(['reconnecting', 'close', 'end']);

/** Jobs on Redis through bull; any number of API processes enqueue and worker processes consume. */
export class BullQueue implements JobQueue {
  readonly kind = 'bull' as const;
  private readonly queue: Bull.Queue;

  constructor(
    redisUrl: string,
    prefix: string,
    private readonly log: FastifyBaseLogger,
    private readonly concurrency = 8,
  ) {
    this.queue = new Bull('jobs', redisUrl, { prefix: `${prefix}:bull` });
    this.queue.on('error', (err) => this.log.error({ err }, 'job queue error'));
  }

  /**
   * Jobs enqueued in the same turn of the event loop (the routing jobs of one intake batch) go
   * to Redis together, in one addBulk: one round trip instead of one each.
   */
  enqueue<N extends JobName>(name: N, data: JobData[N], options: EnqueueOptions = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ name, data, options, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.addPending());
    });
  }

  private pending: { name: JobName; data: unknown; options: EnqueueOptions; resolve(): void; reject(err: unknown): void }[] = [];

  private addPending(): void {
    const jobs = this.pending;
    this.pending = [];
    const fail = (err: unknown) => jobs.forEach((j) => j.reject(err));
    const status = this.queue.client.status;
    if (REDIS_AWAY.has(status)) return fail(new Error(`Redis is away (${status}): the sweep queues these jobs again`));
    // Should Redis take them after the timeout after all, the sweep's copies are the same jobs under the same ids.
    void withTimeout(
      this.queue.addBulk(
        jobs.map((j) => ({
          name: j.name,
          data: j.data,
          opts: {
            jobId: j.options.jobId,
            delay: j.options.delayMs,
            removeOnComplete: true,
            // A failed job kept under its fixed id would make bull drop the re-queue under that id as
            // a duplicate, and its work would wait forever; the failure is logged, and the sweep or
            // the next request queues the work again (handlers are safe to run twice).
            removeOnFail: true,
            // Only a job that failed because the database was away, or lost a race, is tried again (see consume).
            attempts: OUTAGE_RETRY.attempts,
            backoff: { type: 'exponential', delay: OUTAGE_RETRY.firstDelayMs },
          },
        })),
      ),
      ENQUEUE_TIMEOUT_MS,
      `Redis did not take the jobs in ${ENQUEUE_TIMEOUT_MS} ms: the sweep queues them again`,
    ).then(() => jobs.forEach((j) => j.resolve()), fail);
  }

  consume(handlers: JobHandlers): void {
    for (const name of JOB_NAMES) {
      const handler = handlers[name] as (data: unknown) => Promise<void>;
      void this.queue.process(name, this.concurrency, async (job) => {
        try {
          await handler(job.data);
        } catch (err) {
          // A database outage or a lost race passes: bull tries the job again after a back-off, and the worker
          // goes on with the next job meanwhile. Any other failure would fail again: it is logged
          // and dropped, and the sweep finds the work again in the database.
          if (isTransient(err) && job.attemptsMade + 1 < OUTAGE_RETRY.attempts) {
            this.log.warn({ err, job: name, jobId: job.id, attempt: job.attemptsMade + 1 }, 'job is tried again after a back-off');
          } else {
            await job.discard();
            this.log.error({ err, job: name, jobId: job.id }, 'job failed');
          }
          throw err;
        }
      });
    }
  }

  async ping(): Promise<void> {
    await this.queue.client.ping();
  }

  async settled(): Promise<void> {
    for (;;) {
      const counts = await this.queue.getJobCounts();
      if (counts.waiting === 0 && counts.active === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  /** Test support: forget every job of this prefix. */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}
