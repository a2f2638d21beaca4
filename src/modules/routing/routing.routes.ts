import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../plugins/problem';
import { Decision, DecisionRecord, ExampleBatch, KnowledgeBody, KnowledgeDocument, KnowledgeVersion, KnowledgeVersionView, ModelDetail, ModelView, RoutingQuality, Sources, TrainingRun, TriageItem } from './routing.schemas';
import type { RoutingService } from './routing.service';

/** The largest CSV import, in bytes. */
const CSV_BODY_LIMIT = 50 * 1024 * 1024;

export const routingRoutes: FastifyPluginAsyncTypebox<{ routing: RoutingService }> = async (app, { routing }) => {
  registerBacklogMetrics(app.metrics.client, () => routing.backlog());
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.post('/api/v1/routing/preview', {
    config: { access: ['operator', 'admin', 'commander'] },
    schema: {
      tags: ['routing'],
      summary: 'The routing decision for a text, without writing anything',
      body: Type.Object(
        {
          content: Type.String({ minLength: 1, maxLength: 10000 }),
          address: Type.Optional(Type.String({ maxLength: 500 })),
          category: Type.Optional(Type.String({ maxLength: 100 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Decision, ...problems(400, 401, 403) },
    },
    handler: async (request) => routing.preview(request.body),
  });

  app.get('/api/v1/triage', {
    config: { access: ['operator', 'admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Orders waiting for an operator to dispatch them, oldest first, with the router\'s suggestion and reasons',
      description:
        'Those the router was not sure about, repeats of earlier orders, and orders a unit gave back. Dispatch one (POST /api/v1/work-orders/{id}/dispatch) to take it out of the queue; the choice is recorded as a confirmation or a correction. Merging or cancelling one withdraws it.',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Array(TriageItem), ...problems(400, 401, 403) },
    },
    handler: async (request) => routing.triage(request.query.limit ?? 100),
  });

  app.get('/api/v1/work-orders/:id/routing', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: {
      tags: ['routing'],
      summary: 'What the router said about an order (unit, confidence, alternatives, reasons, versions) and what became of it',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 200: DecisionRecord, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => routing.decisionOf(request.params.id),
  });

  app.get('/api/v1/routing/quality', {
    config: { access: ['admin', 'commander'] },
    schema: {
      tags: ['routing'],
      summary: 'How the router did on the orders it decided in a period: auto-dispatches and their corrections, operators\' confirmations and corrections, accuracy by confidence and by version',
      description: 'Accuracy counts the decisions whose unit is settled. An auto-dispatch stands until an operator dispatches the order elsewhere. 400 invalid_period when from is not before to.',
      querystring: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
      response: { 200: RoutingQuality, ...problems(400, 401, 403) },
    },
    handler: async (request) => routing.quality(new Date(request.query.from), new Date(request.query.to)),
  });

  app.get('/api/v1/routing/knowledge', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: {
      tags: ['routing'],
      summary: 'The routing knowledge in force: duty lists, police scope, gazetteer',
      response: { 200: KnowledgeDocument, ...problems(401, 403) },
    },
    handler: async () => routing.knowledge(),
  });

  app.get('/api/v1/routing/knowledge/versions', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Every saved version of the routing knowledge, newest first',
      response: { 200: Type.Array(KnowledgeVersionView), ...problems(401, 403) },
    },
    handler: async () => routing.knowledgeVersions(),
  });

  app.post('/api/v1/routing/knowledge/versions', {
    config: { access: ['admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Save a new version of the routing knowledge; it becomes active',
      description: 'The whole document, under a version of its own. Every unit code must be in the directory (422 unknown_unit); nothing is saved otherwise.',
      body: KnowledgeBody,
      response: { 201: KnowledgeVersionView, ...problems(400, 401, 403, 409, 422) },
    },
    handler: async (request, reply) => reply.code(201).send(await routing.saveKnowledge(request.actor, request.body)),
  });

  app.post('/api/v1/routing/knowledge/versions/:version/activate', {
    config: { access: ['admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Switch the router to a saved version of the knowledge',
      params: Type.Object({ version: KnowledgeVersion }),
      response: { 200: KnowledgeVersionView, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => routing.activateKnowledge(request.params.version),
  });

  app.post('/api/v1/routing/examples', {
    config: { access: ['admin'] },
    bodyLimit: CSV_BODY_LIMIT,
    schema: {
      tags: ['routing'],
      summary: 'Import labelled history (CSV) to learn from',
      description:
        'Content-Type text/csv, UTF-8, a header row naming `text` and `unit_code`, RFC 4180 quoting. All rows are imported or none: a malformed file is 422 csv_malformed, a unit code the directory does not know is 422 unknown_unit (`unitCodes` lists them), more than 100,000 rows is 422 csv_too_large, a file over 50 MB is 413 body_too_large. ' +
        'A csv_malformed problem says why in `fault`: `unclosed_quote`; `field_count` (with `row`, counting the header as row 1, its `fields` and the header\'s `columns`); `missing_columns` (with the `header` read); `no_rows`; `blank_fields` (with the `rows` lacking a text or a unit code).',
      consumes: ['text/csv'],
      body: Type.String({ minLength: 1, description: 'The CSV file' }),
      response: { 201: Type.Object({ batch: Type.String(), imported: Type.Integer() }), ...problems(400, 401, 403, 413, 415, 422) },
    },
    handler: async (request, reply) => reply.code(201).send(await routing.importExamples(request.actor, request.body)),
  });

  app.get('/api/v1/routing/examples', {
    config: { access: ['admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Imported batches of labelled history',
      response: { 200: Type.Array(ExampleBatch), ...problems(401, 403) },
    },
    handler: async () => routing.exampleBatches(),
  });

  app.delete('/api/v1/routing/examples/:batch', {
    config: { access: ['admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Remove an imported batch (models trained on it stay until retrained)',
      params: Type.Object({ batch: Type.String({ maxLength: 100 }) }),
      response: { 204: Type.Null(), ...problems(401, 403, 404) },
    },
    handler: async (request, reply) => {
      await routing.deleteBatch(request.params.batch);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/routing/models', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Trained routing models, newest first; one at most is active',
      response: { 200: Type.Array(ModelView), ...problems(401, 403) },
    },
    handler: async () => routing.models(),
  });

  app.post('/api/v1/routing/models/train', {
    config: { access: ['admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Train a model from imported history, operator corrections and closed orders',
      description:
        'Training runs as a job, recorded as a training run (Location: GET /api/v1/routing/training-runs/{id}) that goes from queued to running to succeeded or failed. It holds back a fifth of the examples (when there are at least 100), evaluates the new model against the one in force on them and on built-in core police examples, calibrates its confidence, and activates it only when it is no worse on police recall and on wrong-side automatic dispatches and has learned every unit it knows from routing.minExamplesPerUnit examples (a unit with fewer is left to the duty lists, unless fewer than two units have that many); otherwise the model is kept for an administrator (GET /api/v1/routing/models/{version} has the report). The same examples give the same model: the run then succeeds with outcome unchanged. 422 too_few_examples when fewer than two units have labelled examples.',
      response: {
        202: Type.Object({
          queued: Type.Literal(true),
          examples: Sources,
          run: TrainingRun,
        }),
        ...problems(401, 403, 422),
      },
    },
    handler: async (request, reply) => {
      const { examples, run } = await routing.requestTraining(request.actor);
      return reply.code(202).header('location', `/api/v1/routing/training-runs/${run.id}`).send({ queued: true as const, examples, run });
    },
  });

  app.get('/api/v1/routing/training-runs', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Training runs, newest first: who asked, what they learned from, and what became of each (the model, activated, kept or unchanged; or why it failed)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })) }, { additionalProperties: false }),
      response: { 200: Type.Array(TrainingRun), ...problems(400, 401, 403) },
    },
    handler: async (request) => routing.trainingRuns(request.query.limit ?? 20),
  });

  app.get('/api/v1/routing/training-runs/:id', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: {
      tags: ['routing'],
      summary: 'One training run: queued, running, succeeded (with its model and outcome) or failed (with why)',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 200: TrainingRun, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => routing.trainingRun(request.params.id),
  });

  app.get('/api/v1/routing/models/:version', {
    config: { access: ['operator', 'commander', 'admin'] },
    schema: {
      tags: ['routing'],
      summary: 'A trained model with its evaluation report (held-back examples, against the model in force) and the decisions taken about it',
      params: Type.Object({ version: Type.String({ maxLength: 100 }) }),
      response: { 200: ModelDetail, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => routing.model(request.params.version),
  });

  app.post('/api/v1/routing/models/:version/activate', {
    config: { access: ['admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Switch the router to a trained model, for example back to the previous one, or to one its evaluation kept aside',
      description: 'Recorded as an event with the reason. A model whose evaluation did not activate it needs a reason: 422 reason_required without one.',
      params: Type.Object({ version: Type.String({ maxLength: 100 }) }),
      body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
      response: { 200: ModelView, ...problems(400, 401, 403, 404, 422) },
    },
    handler: async (request) => routing.activateModel(request.actor, request.params.version, request.body.reason),
  });

  app.post('/api/v1/routing/models/deactivate', {
    config: { access: ['admin'] },
    schema: {
      tags: ['routing'],
      summary: 'Route by the knowledge alone (no learned model) until a model is activated again',
      body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => {
      await routing.deactivateModels(request.actor, request.body.reason);
      return reply.code(204).send(null);
    },
  });
};

/** New orders waiting for their routing decision, for Prometheus: an alert when the workers stop or fall behind. */
function registerBacklogMetrics(client: typeof import('prom-client'), backlog: () => ReturnType<RoutingService['backlog']>): void {
  // A scrape collects the gauges at once: one query in flight serves both.
  let inFlight: Promise<Awaited<ReturnType<RoutingService['backlog']>> | null> | null = null;
  const read = () =>
    (inFlight ??= backlog()
      .catch(() => null)
      .finally(() => (inFlight = null)));
  const gauges = [
    ['hotline_routing_backlog_orders', 'New orders waiting for their routing decision (the routing job has not run yet)', 'orders'],
    ['hotline_routing_backlog_oldest_seconds', 'How long the oldest new order waiting for its routing decision has waited, in seconds (0: none waits)', 'oldestSeconds'],
  ] as const;
  for (const [name, help, field] of gauges) {
    new client.Gauge({
      name,
      help,
      async collect() {
        const b = await read();
        if (b) this.set(b[field]);
      },
    });
  }
}
