import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/database';
import type { JobQueue } from '../../jobs/catalogue';
import { withTimeout } from '../../timeout';

const Status = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
  warnings: Type.Optional(Type.Array(Type.String(), { description: 'What needs an administrator without making the process unready: a year without its holiday notice' })),
});
const open = { access: 'public' as const, rateLimit: false as const };

export const healthRoutes: FastifyPluginAsyncTypebox<{ db: Database; jobs: JobQueue; warnings?: () => Promise<string[]> }> = async (app, { db, jobs, warnings }) => {
  app.get('/health', {
    config: open,
    schema: { tags: ['operations'], summary: 'Alive: the process answers', response: { 200: Status } },
    handler: async () => ({ status: 'ok' }),
  });

  app.get('/ready', {
    config: open,
    schema: {
      tags: ['operations'],
      summary: 'Ready: the database and, when configured, Redis answer; warnings list what an administrator must see to (next year\'s holidays)',
      response: { 200: Status, 503: Status },
    },
    handler: async (request, reply) => {
      const checks: Record<string, string> = {};
      const probe = async (name: string, fn: () => Promise<void>) => {
        try {
          await withTimeout(fn(), 2_000);
          checks[name] = 'ok';
        } catch (err) {
          request.log.warn({ err, check: name }, 'readiness check failed');
          checks[name] = 'unreachable';
        }
      };
      await Promise.all([probe('database', () => db.ping()), jobs.kind === 'bull' ? probe('redis', () => jobs.ping()) : Promise.resolve()]);
      const ok = Object.values(checks).every((v) => v === 'ok');
      const notes = ok && warnings ? await withTimeout(warnings(), 2_000).catch(() => []) : [];
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks, ...(notes.length > 0 && { warnings: notes }) });
    },
  });
};
