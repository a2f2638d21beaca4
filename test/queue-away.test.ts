import pino from 'pino';
import { BullQueue } from '../src/jobs/bull-queue';

/**
 * Redis going away under the API (hardening). ioredis keeps a command for a lost Redis in its
 * offline queue until Redis is back, which took 232 s and then 420 s for two intakes in a row
 * on 2026-12-03: each answer waited on its routing job. Queuing now says at once that Redis is
 * away; the caller's change is committed and answered (errors.test.ts), and the sweep queues
 * the work again from the database. Redis here is a port nothing listens on, on both storages.
 */
describe('a job queue whose Redis is away', () => {
  test('refuses jobs instead of holding them until Redis is back', async () => {
    const queue = new BullQueue('redis://127.0.0.1:1', `away-${process.pid}`, pino({ level: 'silent' }));
    try {
      // The first while ioredis still tries to connect, the next once it knows the connection is lost.
      await expect(queue.enqueue('routing.route', { workOrderId: 'a' })).rejects.toThrow(/Redis/);
      await expect(queue.enqueue('routing.route', { workOrderId: 'b' })).rejects.toThrow(/Redis is away/);
    } finally {
      await queue.close();
    }
  });
});
