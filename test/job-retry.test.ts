import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { BullQueue } from '../src/jobs/bull-queue';
import type { JobHandlers, JobQueue } from '../src/jobs/catalogue';
import { InProcessQueue } from '../src/jobs/in-process-queue';

/** A job that meets a database outage, or loses a race, is tried again by itself; a job that fails for another reason is not. */
const log = pino({ level: 'silent' });
const outage = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

function recordingHandlers(calls: string[]): JobHandlers {
  let failures = 2;
  let races = 1;
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
    // Loses a race with another transaction once, then goes through.
    'deadline.check': async ({ milestoneId }) => {
      calls.push(`check:${milestoneId}`);
      if (races-- > 0) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    },
    'routing.train': async () => undefined,
  };
}

describe('jobs meeting a database outage or losing a race, in process', () => {
  afterEach(() => jest.useRealTimers());

  test('are run again after 1 s, then 2 s, as is a job that lost a race; other failures are not', async () => {
    jest.useFakeTimers();
    const calls: string[] = [];
    const queue = new InProcessQueue(log);
    queue.consume(recordingHandlers(calls));
    await queue.enqueue('routing.route', { workOrderIds: ['a'] });
    await queue.enqueue('webhook.deliver', { deliveryId: 'd' });
    await queue.enqueue('deadline.check', { milestoneId: 'm' });
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['route:a', 'deliver:d', 'check:m']);
    await jest.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['route:a', 'deliver:d', 'check:m', 'route:a', 'check:m']);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(calls).toEqual(['route:a', 'deliver:d', 'check:m', 'route:a', 'check:m', 'route:a']);
    await jest.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(6);
    await queue.close();
  });
});

const describeWithRedis = process.env.REDIS_URL ? describe : describe.skip;
describeWithRedis('jobs meeting a database outage or losing a race, on bull', () => {
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
    await queue.enqueue('deadline.check', { milestoneId: 'm' }, { jobId: 'check:m' });
    const giveUp = Date.now() + 30_000;
    while (calls.filter((c) => c === 'route:a').length < 3 && Date.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.filter((c) => c === 'route:a')).toHaveLength(3);
    expect(calls.filter((c) => c === 'deliver:d')).toHaveLength(1);
    // The job that lost a race went through on its second try.
    expect(calls.filter((c) => c === 'check:m')).toHaveLength(2);
    // Done, and nothing kept: the same id can be queued again.
    await queue.settled();
    await queue.enqueue('routing.route', { workOrderIds: ['a'] }, { jobId: 'route:a' });
    while (calls.filter((c) => c === 'route:a').length < 4 && Date.now() < giveUp) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.filter((c) => c === 'route:a')).toHaveLength(4);
  });
});
