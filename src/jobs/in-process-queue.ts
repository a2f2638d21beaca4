import type { FastifyBaseLogger } from 'fastify';
import { isTransient } from '../db/unavailable';
import { OUTAGE_RETRY, type EnqueueOptions, type JobData, type JobHandlers, type JobName, type JobQueue } from './catalogue';

/** Jobs run in this process on timers; used on the embedded default (no REDIS_URL). */
export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private handlers?: JobHandlers;
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  /** When each waiting job is due (epoch ms). */
  private readonly due = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private seq = 0;

  constructor(private readonly log: FastifyBaseLogger) {}

  async enqueue<N extends JobName>(name: N, data: JobData[N], options: EnqueueOptions = {}): Promise<void> {
    this.schedule(name, data, options.jobId ?? `${name}:${++this.seq}`, options.delayMs ?? 0, 1);
  }

  private schedule<N extends JobName>(name: N, data: JobData[N], jobId: string, delayMs: number, attempt: number): void {
    if (this.closed || this.waiting.has(jobId)) return;
    const timer = setTimeout(() => {
      this.waiting.delete(jobId);
      this.due.delete(jobId);
      this.run(name, data, jobId, attempt);
    }, delayMs);
    timer.unref();
    this.waiting.set(jobId, timer);
    this.due.set(jobId, Date.now() + delayMs);
  }

  consume(handlers: JobHandlers): void {
    this.handlers = handlers;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    this.due.clear();
    await Promise.allSettled([...this.running]);
  }

  async settled(): Promise<void> {
    for (;;) {
      // Let timers that are due fire, then wait for what they started.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.running.size === 0 && ![...this.due.values()].some((at) => at <= Date.now())) return;
      await Promise.allSettled([...this.running]);
    }
  }

  private run<N extends JobName>(name: N, data: JobData[N], jobId: string, attempt: number): void {
    const handler = this.handlers?.[name];
    if (!handler) return;
    const job = handler(data)
      .catch((err: unknown) => {
        // As on bull: a database outage or a lost race passes, so the job is tried again after a back-off;
        // any other failure is logged, and the sweep finds the work again.
        if (isTransient(err) && attempt < OUTAGE_RETRY.attempts) {
          this.log.warn({ err, job: name, jobId, attempt }, 'job is tried again after a back-off');
          this.schedule(name, data, jobId, OUTAGE_RETRY.firstDelayMs * 2 ** (attempt - 1), attempt + 1);
        } else {
          this.log.error({ err, job: name, jobId }, 'job failed');
        }
      })
      .finally(() => this.running.delete(job));
    this.running.add(job);
  }
}
