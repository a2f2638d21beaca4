import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { BullQueue } from '../src/jobs/bull-queue';
import type { JobHandlers, JobQueue } from '../src/jobs/catalogue';
import { InProcessQueue } from '../src/jobs/in-process-queue';

/** A job that meets a database outage is tried again by itself; a job that fails for another reason is not. */
const log = pino({ level: 'silent' });
const outage = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

function recordingHandlers(calls: string[]): JobHandlers {
  let failures = 2;
  return {
    // Fails twice with the database away, then succeeds.
    'routing.route': async (data) => {
      calls.push(`route:${'workOrderIds' in data ? data.workOrderIds.join() : data.workOrderId}`);
      if (failures-- > 0) throw outage();
    },
    // A bug: failing again would not help.
    'webhook.deliver': async ({ deliveryId }) => {
      calls.push(`deliver:${deliveryId}`);
      throw new TypeError('a bug');
    },
    'deadline.check': async () => undefined,
    'routing.train': async () => undefined,
  };
}

describe('jobs meeting a database outage, in process', () => {
  afterEach(() => jest.useRealTimers());

  test('are run again after 1 s, then 2 s; other failures are not', async () => {
    jest.useFakeTimers();
    const calls: string[] = [];
    const queue = new InProcessQueue(log);
    queue.consume(recordingHandlers(calls));
    await queue.enqueue('routing.route', { workOrderIds: ['a'] });
    await queue.enqueue('webhook.deliver', { deliveryId: 'd' });
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['route:a', 'deliver:d']);
    await jest.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['route:a', 'deliver:d', 'route:a']);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(calls).toEqual(['route:a', 'deliver:d', 'route:a', 'route:a']);
    await jest.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(4);
    await queue.close();
  });
});

const describeWithRedis = process.env.REDIS_URL ? describe : describe.skip;
describeWithRedis('jobs meeting a database outage, on bull', () => {
  let queue: BullQueue;
  afterAll(async () => {
    await queue.obliterate().catch(() => undefined);
    await queue.close();
  });

  test('are run again by the worker after a back-off; other failures are dropped', async () => {
    const calls: string[] = [];
    queue = new BullQueue(process.env.REDIS_URL!, `test-${randomUUID().slice(0, 8)}`, log);
    (queue as JobQueue).consume(recordingHandlers(calls));
    await queue.enqueue('webhook.deliver', { deliveryId: 'd' }, { jobId: 'webhook:d' });
    await queue.enqueue('routing.route', { workOrderIds: ['a'] }, { jobId: 'route:a' });
    const giveUp = Date.now() + 30_000;
    while (calls.filter((c) => c === 'route:a').length < 3 && Date.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.filter((c) => c === 'route:a')).toHaveLength(3);
    expect(calls.filter((c) => c === 'deliver:d')).toHaveLength(1);
    // Done, and nothing kept: the same id can be queued again.
    await queue.settled();
    await queue.enqueue('routing.route', { workOrderIds: ['a'] }, { jobId: 'route:a' });
    while (calls.filter((c) => c === 'route:a').length < 4 && Date.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.filter((c) => c === 'route:a')).toHaveLength(4);
  });
});
