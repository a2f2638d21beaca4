import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import metrics from 'fastify-metrics';
import type { Config } from './config';
import { logOptions } from './logging';
import { principalRoutes } from './modules/auth/principal.routes';
import { sessionRoutes } from './modules/auth/session.routes';
import { accountRoutes } from './modules/auth/account.routes';
import { EventFeed } from './modules/events/event-feed';
import { eventRoutes } from './modules/events/events.routes';
import { directoryRoutes } from './modules/directory/directory.routes';
import { healthRoutes } from './modules/health/health.routes';
import { webhookRoutes } from './modules/notifications/webhook.routes';
import { workOrderRoutes } from './modules/work-orders/work-order.routes';
import { deadlineRoutes } from './modules/deadlines/deadline.routes';
import { settingsRoutes } from './modules/settings/settings.routes';
import { supervisionRoutes } from './modules/supervision/supervision.routes';
import { routingRoutes } from './modules/routing/routing.routes';
import { repeatRoutes } from './modules/repeats/repeat.routes';
import { callbackRoutes } from './modules/callbacks/callback.routes';
import { assessmentRoutes } from './modules/assessment/assessment.routes';
import { createAuthenticator, registerAuth, requestToken, SESSION_COOKIE } from './plugins/auth';
import { hashToken } from './modules/auth/actor';
import { refusalHandlers, registerProblemHandlers } from './plugins/problem';
import { registerStrictNumbers } from './plugins/strict-numbers';
import { compiledSchemas, type SchemaCacheMode, type SchemaCacheStats } from './plugins/compiled-schemas';
import { createServices, startJobs, type Services } from './runtime';
import type { Database } from './db/database';
import type { JobQueue } from './jobs/catalogue';
import { workspace } from './plugins/workspace';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    eventFeed: EventFeed;
  }
}

/** Never log a query string (a search may hold a phone number) nor a header but the few we need. */
export const loggerOptions = (level: string): FastifyServerOptions['logger'] => {
  const base = logOptions(level);
  return {
    ...base,
    serializers: {
      ...base.serializers,
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
    },
  };
};

export const OPENAPI_INFO = {
  title: '12345 hotline work orders',
  description:
    'Work orders from the 12345 citizen hotline for a police sub-bureau: intake, dispatch and transfer to units, the life cycle, and the partner inbox. Errors are application/problem+json with a stable `code`.',
  version: '0.1.0',
};

/** Builds the HTTP application around opened adapters; does not listen. */
export async function buildApp(
  config: Config,
  adapters: { db: Database; jobs: JobQueue },
  options: {
    logger?: FastifyServerOptions['logger'];
    clock?: () => Date;
    /** Route schemas compiled ahead of time (see plugins/compiled-schemas). */
    compiledSchemas?: { dir: string; mode: SchemaCacheMode; stats?: SchemaCacheStats };
  } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config.LOG_LEVEL),
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ...refusalHandlers,
    // strictNumbers: a JSON body's 1e999 parses to Infinity, which ajv would otherwise take for an integer.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true, strictNumbers: true } },
    ...(options.compiledSchemas && {
      schemaController: { compilersFactory: compiledSchemas(options.compiledSchemas.dir, options.compiledSchemas.mode, options.compiledSchemas.stats) },
    }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const services = createServices(config, adapters.db, adapters.jobs, app.log, options.clock);
  app.decorate('services', services);
  registerProblemHandlers(app);
  registerStrictNumbers(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token from POST /api/v1/principals, or ADMIN_TOKEN' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: 'A browser signed in with POST /api/v1/session; a change (POST, PUT, PATCH, DELETE) also needs the x-csrf-token header and an Origin of this host',
          },
        },
      },
      tags: [
        { name: 'work-orders', description: 'Intake and the life cycle' },
        { name: 'inbox', description: 'What partner agencies and police units pull' },
        { name: 'directory', description: 'Internal units and partner agencies' },
        { name: 'access', description: 'API tokens and roles' },
        { name: 'notifications', description: 'Webhook deliveries to units' },
        { name: 'deadlines', description: 'The working-day calendar and deadline policies' },
        { name: 'supervision', description: 'Director supervision slips (《局长督办单》)' },
        { name: 'settings', description: 'Settings administrators change' },
        { name: 'routing', description: 'Police or not, which unit, why' },
        { name: 'repeats', description: 'Repeat complaints and the noise-source register' },
        { name: 'callbacks', description: 'Callbacks to citizens (回访) and exemptions (核减)' },
        { name: 'reports', description: 'The monthly assessment, rankings, bulletin and trends for commanders' },
        { name: 'operations', description: 'Health, readiness, metrics' },
      ],
    },
    transform: ({ schema, url, route }) => {
      const access = route.config?.access;
      const documented = { ...(schema as Record<string, unknown>) };
      if (access && access !== 'public') {
        documented.security = [{ bearer: [] }, { session: [] }];
        documented.description = [documented.description, `Roles: ${access.join(', ')}.`].filter(Boolean).join(' ');
      }
      return { schema: documented as typeof schema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(metrics, {
    endpoint: {
      url: '/metrics',
      method: 'GET',
      logLevel: 'warn',
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics: requests by route and status, latency histograms, process figures',
        response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
      handler: () => undefined,
    },
    clearRegisterOnInit: true,
    routeMetrics: { enabled: true, registeredRoutesOnly: true },
  });

  await app.register(cookie);
  // ioredis is loaded only where Redis is used (the embedded default starts without it).
  const rateLimitRedis =
    config.RATE_LIMIT_STORE === 'redis' && config.REDIS_URL
      ? new (await import('ioredis')).default(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false })
      : undefined;
  if (rateLimitRedis) app.addHook('onClose', async () => void rateLimitRedis.disconnect());
  await app.register(rateLimit, {
    global: true,
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    redis: rateLimitRedis,
    nameSpace: `${config.REDIS_PREFIX}:rate:`,
    skipOnError: true,
    keyGenerator: (request) => {
      const token = requestToken(request);
      return token ? `t:${hashToken(token).slice(0, 32)}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`rate limit of ${context.max} requests per ${context.after} exceeded; retry later`), { statusCode: 429 }),
  });

  const authenticate = createAuthenticator(services.principals, config.ADMIN_TOKEN);
  registerAuth(app, authenticate, (cookie) => services.accounts.resolveSession(cookie));
  await app.register(healthRoutes, { db: services.db, jobs: services.jobs, warnings: async () => (await services.deadlines.calendarStatus()).warnings });
  await app.register(principalRoutes, { principals: services.principals });
  await app.register(sessionRoutes, { authenticate, accounts: services.accounts, maxAgeSeconds: config.SESSION_HOURS * 3600 });
  await app.register(accountRoutes, { accounts: services.accounts });
  const feed = new EventFeed(services.db, config.DATABASE_URL, app.log);
  app.decorate('eventFeed', feed);
  // Open event streams would hold the server open: they end before it closes.
  app.addHook('preClose', async () => feed.stop());
  await app.register(eventRoutes, { feed });
  await app.register(directoryRoutes, { directory: services.directory });
  await app.register(workOrderRoutes, { workOrders: services.workOrders, timeZone: config.TZ_BUREAU, now: options.clock ?? (() => new Date()) });
  await app.register(webhookRoutes, { webhooks: services.webhooks });
  await app.register(settingsRoutes, { settings: services.settings });
  await app.register(deadlineRoutes, { deadlines: services.deadlines });
  await app.register(supervisionRoutes, { supervision: services.supervision });
  await app.register(routingRoutes, { routing: services.routing });
  await app.register(repeatRoutes, { repeats: services.repeats });
  await app.register(callbackRoutes, { callbacks: services.callbacks });
  await app.register(assessmentRoutes, { assessment: services.assessment });
  await app.register(workspace);

  const stopJobs = config.workerInProcess ? startJobs(services, config, app.log) : async () => {};
  // Fastify has finished in-flight requests when onClose runs: then the jobs drain, then storage closes.
  app.addHook('onClose', async () => {
    await stopJobs();
    await services.jobs.close();
    await services.db.close();
  });
  return app;
}
