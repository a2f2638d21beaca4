import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { returnedRows, type Database } from '../../db/database';
import { isTransient } from '../../db/unavailable';
import { badRequest, conflict, notFound, unprocessable } from '../../errors';
import type { JobQueue } from '../../jobs/catalogue';
import { SYSTEM_ACTOR, type Actor } from '../auth/actor';
import { POLICE_UNIT_KINDS, Unit } from '../directory/unit.entity';
import type { RepeatService } from '../repeats/repeat.service';
import type { RepeatMatch } from '../repeats/similarity';
import type { SettingsService } from '../settings/settings.service';
import { WorkOrder } from '../work-orders/work-order.entity';
import type { WorkOrderService } from '../work-orders/work-order.service';
import type { OrderObserver, OrderTx } from '../work-orders/order-change';
import { CsvError, parseCsv } from './csv';
import seedKnowledge from './data/knowledge.json';
import { dispatchesItself, effectiveThreshold, type DispatchPolicy, type EvaluationReport } from './evaluation';
import { learn } from './learning';
import { TextModel, type TrainingExample } from './model';
import { compileKnowledge, route, type CompiledKnowledge, type Knowledge, type RouterPolicy, type RoutingDecision, type RoutingInput } from './router';
import { RoutingDecisionRow, RoutingKnowledgeRow, RoutingModelRow, type ModelAction, type RoutingOutcome, type TrainingSources } from './routing-decision.entity';
import type { KnowledgeBody, KnowledgeVersionView, ModelView, RoutingQuality, TrainingRun } from './routing.schemas';

/** A model's columns without its weights. */
const MODEL_LISTING = { version: true, active: true, trainedOn: true, labels: true, sources: true, createdBy: true, createdAt: true, activatedAt: true, evaluation: true } as const;
/** How long unit names read for the reasons are reused, in milliseconds. */
const NAMES_TTL_MS = 60_000;
/** The largest history one import may bring, in rows. */
const MAX_IMPORT_ROWS = 100_000;
/** Closed orders a training run reads at most, newest first. */
const MAX_CLOSED_ORDERS = 200_000;
/** A queued training run is queued again by the sweep after this long (its job was lost), in ms. */
const TRAINING_REQUEUE_MS = 60_000;
/** A training run still running after this long has lost its worker: the sweep says it failed, in ms. */
const TRAINING_STALE_MS = 30 * 60_000;
/** A training run with the reasons of its model's evaluation. */
const TRAINING_RUN_SQL = `
  SELECT r.*, m.evaluation -> 'gate' -> 'reasons' AS reasons
  FROM routing_training_runs r LEFT JOIN routing_models m ON m.version = r.model_version`;

export interface ModelEvent {
  action: ModelAction;
  reason: string;
  actor: string;
  at: string;
}

/** What the router works with now: the active knowledge and, once one is trained, the active model. */
interface Active {
  compiled: CompiledKnowledge;
  model: TextModel | null;
  /** The active model's held-back curve, from which a target accuracy gives the threshold. */
  curve: EvaluationReport['curve'] | null;
  /** The active model's evaluation report, read with it. */
  evaluation: EvaluationReport | null;
  names: ReadonlyMap<string, string>;
}

export interface TriageItem {
  workOrderId: string;
  externalNo: string;
  receivedAt: string;
  requestType: string;
  content: string;
  address: string;
  /** A unit gave the order back and the centre approved: it waits to be dispatched again. */
  returned: boolean;
  /** The earlier order this one repeats, for the operator to merge. */
  repeatOf: { id: string; externalNo: string } | null;
  decidedAt: string;
  decision: RoutingDecision & { leadUnitName: string | null };
}

export interface DecisionRecord {
  workOrderId: string;
  outcome: RoutingOutcome;
  decidedAt: string;
  decision: RoutingDecision & { leadUnitName: string | null };
  resolvedUnitCode: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
}

/** New orders without their routing decision (w: work_orders): the sweep's and the backlog gauges' one condition, served by a partial index. */
const AWAITING_DECISION = `w.state = 'received' AND NOT EXISTS (SELECT 1 FROM routing_decisions r WHERE r.work_order_id = w.id)`;

/**
 * Routing in the flow (domain.md §1, §5): every order taken in is routed; a confident
 * decision dispatches it at once, any other waits in the triage queue for an operator,
 * whose dispatch is recorded as a confirmation or a correction. Administrators edit the
 * knowledge as versioned documents and train models from the centre's own history; one
 * of each is active, and every decision records which it used.
 */
export class RoutingService {
  private readonly seed: CompiledKnowledge = compileKnowledge(seedKnowledge as Knowledge);
  /** The compiled active knowledge and model, kept while their versions stay active. */
  private knowledgeCache: CompiledKnowledge | null = null;
  private modelCache: { model: TextModel; evaluation: EvaluationReport | null } | null = null;
  private namesCache: { names: Map<string, string>; until: number } | null = null;

  constructor(
    private readonly db: Database,
    private readonly workOrders: WorkOrderService,
    private readonly settings: SettingsService,
    private readonly jobs: JobQueue,
    private readonly repeats: RepeatService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Routing runs as a job just after intake, so that taking an order in stays one quick
   * statement: one job for the orders of one group commit (one Redis command, not one each).
   * A batch's id is its own; should the sweep queue one of its orders again meanwhile, the
   * second routing of it finds the decision made and does nothing.
   */
  readonly observer: OrderObserver = {
    afterIntake: async (orders) => {
      if (orders.length === 0) return;
      const jobId = orders.length === 1 ? `route:${orders[0].id}` : `route-batch:${orders[0].id}`;
      try {
        await this.jobs.enqueue('routing.route', { workOrderIds: orders.map((o) => o.id) }, { jobId });
      } catch {
        // The sweep routes them: an order without a decision is found again.
      }
    },
    orderChanged: async (tx, { after, action, actor }) => {
      if (action === 'merge' || action === 'cancel') {
        await tx.m.update(RoutingDecisionRow, { workOrderId: after.id, outcome: 'triage' }, { outcome: 'withdrawn' });
        return;
      }
      if (action !== 'dispatch' || actor.role === 'system') return;
      // An operator's dispatch, first or after a unit gave the order back, is what the router should have said.
      const row = await tx.m.findOneBy(RoutingDecisionRow, { workOrderId: after.id });
      if (!row) return;
      const lead = await tx.m.findOneByOrFail(Unit, { id: after.leadUnitId! });
      await tx.m.update(
        RoutingDecisionRow,
        { workOrderId: after.id },
        { outcome: lead.code === row.suggestedUnitCode ? 'confirmed' : 'corrected', resolvedUnitCode: lead.code, resolvedBy: actor.name, resolvedAt: tx.now },
      );
    },
  };

  async preview(input: RoutingInput): Promise<RoutingDecision & { leadUnitName: string | null }> {
    return this.db.read(async (m) => {
      const { compiled, model, names } = await this.active(m);
      const { router } = await this.policies(m);
      return named(route(input, compiled, model, { policy: router, names }), names);
    });
  }

  /** The active knowledge and model; one query when neither changed since the last call. */
  private async active(m: EntityManager): Promise<Active> {
    const [now] = (await m.query(
      `SELECT (SELECT version FROM routing_knowledge WHERE active) AS knowledge, (SELECT version FROM routing_models WHERE active) AS model`,
    )) as { knowledge: string | null; model: string | null }[];
    if (!now.knowledge) this.knowledgeCache = null;
    else if (this.knowledgeCache?.knowledge.version !== now.knowledge) {
      const row = await m.findOneByOrFail(RoutingKnowledgeRow, { version: now.knowledge });
      this.knowledgeCache = compileKnowledge(row.data);
    }
    if (!now.model) this.modelCache = null;
    else if (this.modelCache?.model.version !== now.model) {
      const row = await m.findOneByOrFail(RoutingModelRow, { version: now.model });
      this.modelCache = { model: new TextModel(row.data), evaluation: row.evaluation ?? null };
    }
    if (!this.namesCache || this.namesCache.until < Date.now()) {
      const units = (await m.query(`SELECT code, name FROM units`)) as { code: string; name: string }[];
      this.namesCache = { names: new Map(units.map((u) => [u.code, u.name])), until: Date.now() + NAMES_TTL_MS };
    }
    const evaluation = this.modelCache?.evaluation ?? null;
    return { compiled: this.knowledgeCache ?? this.seed, model: this.modelCache?.model ?? null, curve: evaluation?.curve ?? null, evaluation, names: this.namesCache.names };
  }

  /**
   * The routing settings, read in one query each time: every process reads the database, so a
   * change applies everywhere at once, without a cache to invalidate across processes.
   */
  private async policies(m: EntityManager): Promise<{ router: RouterPolicy; dispatch: DispatchPolicy; minExamplesPerUnit: number }> {
    const s = await this.settings.getMany(m, ['routing.minExamplesPerSide', 'routing.autoDispatchThreshold', 'routing.targetAccuracy', 'routing.minExamplesPerUnit']);
    return {
      router: { minExamplesPerSide: s['routing.minExamplesPerSide'] },
      dispatch: { threshold: s['routing.autoDispatchThreshold'], targetAccuracy: s['routing.targetAccuracy'] },
      minExamplesPerUnit: s['routing.minExamplesPerUnit'],
    };
  }

  // ---- knowledge, edited as whole documents ----

  /** The knowledge in force: the active version, or the reference district's until an administrator saves one. */
  async knowledge(): Promise<Knowledge> {
    return this.db.read(async (m) => (await this.active(m)).compiled.knowledge);
  }

  knowledgeVersions(): Promise<KnowledgeVersionView[]> {
    return this.db.read(async (m) => {
      const rows = await m.find(RoutingKnowledgeRow, { order: { createdAt: 'DESC' } });
      const views = rows.map(knowledgeView);
      if (!rows.some((r) => r.version === this.seed.knowledge.version)) {
        views.push({ version: this.seed.knowledge.version, active: !rows.some((r) => r.active), note: 'reference district (built in)', createdBy: 'system', createdAt: new Date(0).toISOString(), activatedAt: null });
      }
      return views;
    });
  }

  /** Saves a new version of the knowledge and makes it active; every unit it names must exist. */
  saveKnowledge(actor: Actor, body: KnowledgeBody): Promise<KnowledgeVersionView> {
    const { note = '', ...knowledge } = body;
    const problems = knowledgeProblems(knowledge);
    if (problems.length) throw unprocessable('invalid_knowledge', problems.join('; '), { problems });
    return this.db.write(async (m) => {
      if (knowledge.version === this.seed.knowledge.version || (await m.existsBy(RoutingKnowledgeRow, { version: knowledge.version }))) {
        throw conflict('knowledge_version_exists', `knowledge version ${knowledge.version} exists; give the new one its own version`);
      }
      await requireUnits(m, namedUnits(knowledge));
      await m.query(`LOCK TABLE routing_knowledge IN SHARE ROW EXCLUSIVE MODE`);
      await this.keepSeed(m);
      const now = this.now();
      await m.update(RoutingKnowledgeRow, { active: true }, { active: false });
      await m.insert(RoutingKnowledgeRow, { version: knowledge.version, data: knowledge as never, active: true, note, createdBy: actor.name, createdAt: now, activatedAt: now });
      return knowledgeView(await m.findOneByOrFail(RoutingKnowledgeRow, { version: knowledge.version }));
    });
  }

  /** Switches the router to another saved version (or back to the built-in one). */
  activateKnowledge(version: string): Promise<KnowledgeVersionView> {
    return this.db.write(async (m) => {
      await m.query(`LOCK TABLE routing_knowledge IN SHARE ROW EXCLUSIVE MODE`);
      await this.keepSeed(m);
      if (!(await m.existsBy(RoutingKnowledgeRow, { version }))) throw notFound('knowledge version', version);
      await m.update(RoutingKnowledgeRow, { active: true }, { active: false });
      await m.update(RoutingKnowledgeRow, { version }, { active: true, activatedAt: this.now() });
      return knowledgeView(await m.findOneByOrFail(RoutingKnowledgeRow, { version }));
    });
  }

  /** The built-in reference knowledge is stored beside the first saved version, so that it can be switched back to. */
  private async keepSeed(m: EntityManager): Promise<void> {
    const version = this.seed.knowledge.version;
    if (await m.existsBy(RoutingKnowledgeRow, { version })) return;
    const active = !(await m.existsBy(RoutingKnowledgeRow, { active: true }));
    await m.insert(RoutingKnowledgeRow, { version, data: this.seed.knowledge as never, active, note: 'reference district (built in)', createdBy: 'system', createdAt: new Date(0), activatedAt: null });
  }

  // ---- learning ----

  /**
   * Imports labelled history: CSV with the columns `text` and `unit_code` (UTF-8, a header
   * row, RFC 4180 quoting). All rows are written or none: a malformed file or a unit code
   * the directory does not know is refused whole.
   */
  importExamples(actor: Actor, csv: string): Promise<{ batch: string; imported: number }> {
    let parsed: ReturnType<typeof parseCsv>;
    try {
      parsed = parseCsv(csv);
    } catch (err) {
      const at = err instanceof CsvError ? { fault: err.fault, ...err.at } : {};
      throw unprocessable('csv_malformed', `the CSV cannot be read: ${(err as Error).message}`, at);
    }
    const textColumn = ['text', 'text_segmented'].find((c) => parsed.header.includes(c));
    const unitColumn = ['unit_code', 'unitCode'].find((c) => parsed.header.includes(c));
    if (!textColumn || !unitColumn) throw unprocessable('csv_malformed', 'the header must name the columns text and unit_code', { fault: 'missing_columns', header: parsed.header });
    if (!parsed.rows.length) throw unprocessable('csv_malformed', 'the CSV holds no rows', { fault: 'no_rows' });
    if (parsed.rows.length > MAX_IMPORT_ROWS) throw unprocessable('csv_too_large', `at most ${MAX_IMPORT_ROWS} rows per import; split the file`);
    const examples = parsed.rows.map((r) => ({ text: r[textColumn].trim(), unitCode: r[unitColumn].trim() }));
    const blank = examples.flatMap((e, i) => (e.text && e.unitCode ? [] : [i + 2]));
    if (blank.length) throw unprocessable('csv_malformed', `rows without text or unit code: ${blank.slice(0, 20).join(', ')}`, { fault: 'blank_fields', rows: blank.slice(0, 100) });
    const batch = `import-${randomUUID().slice(0, 8)}`;
    return this.db.write(async (m) => {
      await requireUnits(m, examples.map((e) => e.unitCode));
      for (let i = 0; i < examples.length; i += 1000) {
        const chunk = examples.slice(i, i + 1000);
        await m.query(
          `INSERT INTO routing_examples (text, unit_code, batch, imported_by) SELECT t, u, $3, $4 FROM unnest($1::text[], $2::text[]) AS x(t, u)`,
          [chunk.map((e) => e.text), chunk.map((e) => e.unitCode), batch, actor.name],
        );
      }
      return { batch, imported: examples.length };
    });
  }

  exampleBatches(): Promise<{ batch: string; importedBy: string; importedAt: string; examples: number }[]> {
    return this.db.read(async (m) => {
      const rows = (await m.query(
        `SELECT batch, min(imported_by) AS imported_by, min(created_at) AS imported_at, count(*)::int AS examples FROM routing_examples GROUP BY batch ORDER BY min(created_at) DESC`,
      )) as { batch: string; imported_by: string; imported_at: Date; examples: number }[];
      return rows.map((r) => ({ batch: r.batch, importedBy: r.imported_by, importedAt: new Date(r.imported_at).toISOString(), examples: r.examples }));
    });
  }

  async deleteBatch(batch: string): Promise<void> {
    const deleted = await this.db.write((m) => m.query(`DELETE FROM routing_examples WHERE batch = $1 RETURNING 1`, [batch]));
    if (!returnedRows(deleted).length) throw notFound('example batch', batch);
  }

  /**
   * Asks for a training run: recorded as queued, then a job trains on everything labelled so
   * far. The run is the administrator's handle on it (GET /api/v1/routing/training-runs/{id}).
   */
  async requestTraining(actor: Actor): Promise<{ examples: TrainingSources; run: TrainingRun }> {
    const examples = await this.db.read((m) => this.trainingSet(m));
    if (new Set(examples.examples.map((e) => e.unitCode)).size < 2) {
      throw unprocessable('too_few_examples', 'training needs labelled examples of at least two units (import history, or close and correct orders first)', { sources: examples.sources });
    }
    const [row] = await this.db.statement<TrainingRunRow>(
      `INSERT INTO routing_training_runs (requested_by, requested_at, sources) VALUES ($1, $2, $3) RETURNING *, NULL::jsonb AS reasons`,
      [actor.name, this.now(), JSON.stringify(examples.sources)],
    );
    try {
      await this.queueRun(row.id, actor.name);
    } catch {
      // The run is recorded: the sweep queues it again (TRAINING_REQUEUE_MS) once the queue is back.
    }
    return { examples: examples.sources, run: trainingRunView(row) };
  }

  /** Training runs, newest first. */
  async trainingRuns(limit: number): Promise<TrainingRun[]> {
    const rows = await this.db.statement<TrainingRunRow>(`${TRAINING_RUN_SQL} ORDER BY r.requested_at DESC, r.id DESC LIMIT $1`, [limit]);
    return rows.map(trainingRunView);
  }

  async trainingRun(id: string): Promise<TrainingRun> {
    const [row] = await this.db.statement<TrainingRunRow>(`${TRAINING_RUN_SQL} WHERE r.id = $1`, [id]);
    if (!row) throw notFound('training run', id);
    return trainingRunView(row);
  }

  /**
   * The job of a training run: claims the run (once, however often the job is delivered), trains,
   * and records what became of it in the same transaction as the model; a run that cannot train
   * is recorded as failed, with why. Jobs queued before runs existed carry no run and just train.
   */
  async runTraining(requestedBy: string, runId?: string): Promise<ModelView | null> {
    if (runId) {
      const claimed = await this.db.statement(`UPDATE routing_training_runs SET state = 'running', started_at = $2 WHERE id = $1 AND state = 'queued' RETURNING id`, [runId, this.now()]);
      if (!claimed.length) return null;
    }
    try {
      const model = await this.train(requestedBy, runId);
      if (!model && runId) await this.failRun(runId, 'too_few_examples', 'the labelled examples name fewer than two units now (a batch was removed since the run was asked for)');
      return model;
    } catch (err) {
      if (runId) await this.failRun(runId, 'training_failed', err instanceof Error ? err.message : String(err)).catch(() => undefined);
      throw err;
    }
  }

  private async failRun(runId: string, code: string, message: string): Promise<void> {
    await this.db.statement(`UPDATE routing_training_runs SET state = 'failed', finished_at = $2, error_code = $3, error = $4 WHERE id = $1 AND state = 'running'`, [
      runId,
      this.now(),
      code,
      message.slice(0, 1000),
    ]);
  }

  /** Runs whose job was lost are queued again; runs whose worker stopped mid-way are failed, so that nobody waits on them. */
  private async sweepTraining(): Promise<void> {
    const now = this.now();
    await this.db.statement(
      `UPDATE routing_training_runs SET state = 'failed', finished_at = $1, error_code = 'interrupted',
              error = 'the run did not finish within ${TRAINING_STALE_MS / 60_000} minutes (its worker stopped?); ask for another'
       WHERE state = 'running' AND started_at < $2`,
      [now, new Date(now.getTime() - TRAINING_STALE_MS)],
    );
    const lost = await this.db.statement<{ id: string; requested_by: string }>(`SELECT id, requested_by FROM routing_training_runs WHERE state = 'queued' AND requested_at < $1`, [
      new Date(now.getTime() - TRAINING_REQUEUE_MS),
    ]);
    for (const r of lost) await this.queueRun(r.id, r.requested_by);
  }

  /** The job of a run, under the run's id: queued again while it waits, it is still one job. */
  private queueRun(runId: string, requestedBy: string): Promise<void> {
    return this.jobs.enqueue('routing.train', { requestedBy, runId }, { jobId: `train:${runId}` });
  }

  /**
   * The job: trains a model on all but a held-back fifth of the examples, evaluates it against
   * what is in force on that fifth and on the reference examples (both sides), calibrates it, and
   * activates it only if it is no worse on police recall and wrong-side automatic dispatches and
   * learned enough of every unit. Either way the model is kept with its report, and the decision
   * is an event with its reasons. The same examples give the same version, kept once. A run,
   * when given, is recorded as succeeded with the model and its outcome in the same transaction.
   */
  async train(requestedBy: string, runId?: string): Promise<ModelView | null> {
    const { examples, sources, compiled, active, names, policy } = await this.db.read(async (m) => {
      const set = await this.trainingSet(m);
      const { model, names } = await this.active(m);
      const { router, dispatch, minExamplesPerUnit } = await this.policies(m);
      const policy = { ...dispatch, ...router, minExamplesPerUnit };
      return { ...set, active: model, names, policy };
    });
    if (new Set(examples.map((e) => e.unitCode)).size < 2) return null;
    const { model, report } = learn({ examples, compiled, active, policy, names });
    return this.db.write(async (m) => {
      const inserted = await m.query(
        `INSERT INTO routing_models (version, data, trained_on, labels, sources, created_by, evaluation) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (version) DO NOTHING RETURNING version`,
        [model.version, JSON.stringify(model.data), model.data.trainedOn, model.data.labels, JSON.stringify(sources), requestedBy, JSON.stringify(report)],
      );
      const reason = report.gate.reasons.join('；');
      const outcome = !returnedRows(inserted).length ? 'unchanged' : report.gate.activated ? 'activated' : 'kept';
      if (runId) {
        await m.query(`UPDATE routing_training_runs SET state = 'succeeded', finished_at = $2, model_version = $3, outcome = $4 WHERE id = $1`, [runId, this.now(), model.version, outcome]);
      }
      if (outcome === 'unchanged') return modelView(await m.findOneOrFail(RoutingModelRow, { where: { version: model.version }, select: MODEL_LISTING }));
      if (outcome === 'kept') {
        await recordModelEvent(m, model.version, 'kept', reason, requestedBy, this.now());
        return modelView(await m.findOneOrFail(RoutingModelRow, { where: { version: model.version }, select: MODEL_LISTING }));
      }
      return this.switchModel(m, model.version, 'activated', reason, requestedBy);
    });
  }

  /**
   * The examples a model learns from: imported history, the operators' choices on orders the
   * router was dispatched or unsure of, and closed orders. A police station's order teaches the
   * station matters' unit (the address picks the station, not the words); the command centres
   * teach nothing. With them, the knowledge they are read with.
   */
  private async trainingSet(m: EntityManager): Promise<{ examples: TrainingExample[]; sources: TrainingSources; compiled: CompiledKnowledge }> {
    const { compiled } = await this.active(m);
    const policeUnits = await m.findBy(Unit, { kind: In([...POLICE_UNIT_KINDS]) });
    const asLabel = new Map<string, string | null>(
      policeUnits.map((u) => [u.code, u.kind === 'station' ? (compiled.knowledge.stationMatters[0] ?? compiled.knowledge.fallbackPoliceUnit) : u.kind === 'brigade' ? u.code : null]),
    );
    type Row = { text: string; unit_code: string };
    const imported = (await m.query(`SELECT text, unit_code FROM routing_examples ORDER BY id`)) as Row[];
    const corrections = (await m.query(
      `SELECT w.content AS text, r.resolved_unit_code AS unit_code FROM routing_decisions r JOIN work_orders w ON w.id = r.work_order_id
       WHERE r.outcome IN ('corrected', 'confirmed') ORDER BY r.resolved_at`,
    )) as Row[];
    const closed = (await m.query(
      `SELECT w.content AS text, u.code AS unit_code FROM work_orders w JOIN units u ON u.id = w.lead_unit_id
       WHERE w.state = 'closed' AND NOT EXISTS (SELECT 1 FROM routing_decisions r WHERE r.work_order_id = w.id AND r.outcome IN ('corrected', 'confirmed'))
       ORDER BY w.closed_at DESC, w.id LIMIT $1`,
      [MAX_CLOSED_ORDERS],
    )) as Row[];
    const keep = (rows: Row[]) =>
      rows.flatMap((r) => {
        const unitCode = asLabel.has(r.unit_code) ? asLabel.get(r.unit_code) : r.unit_code;
        return unitCode ? [{ text: r.text, unitCode }] : [];
      });
    const parts = { imported: keep(imported), corrections: keep(corrections), closedOrders: keep(closed) };
    return {
      examples: [...parts.imported, ...parts.corrections, ...parts.closedOrders],
      sources: { imported: parts.imported.length, corrections: parts.corrections.length, closedOrders: parts.closedOrders.length },
      compiled,
    };
  }

  models(): Promise<ModelView[]> {
    return this.db.read(async (m) =>
      (await m.find(RoutingModelRow, { select: MODEL_LISTING, order: { createdAt: 'DESC' } })).map(modelView),
    );
  }

  /** One model with its evaluation report and the decisions taken about it. */
  model(version: string): Promise<ModelView & { evaluation: EvaluationReport | null; events: ModelEvent[] }> {
    return this.db.read(async (m) => {
      const row = await m.findOne(RoutingModelRow, { where: { version }, select: MODEL_LISTING });
      if (!row) throw notFound('model', version);
      return { ...modelView(row), evaluation: row.evaluation, events: await modelEvents(m, version) };
    });
  }

  /**
   * Switches the router to a trained model on an administrator's decision, for example back to
   * the one before, or to one its evaluation kept aside: that takes a reason, recorded with the switch.
   */
  activateModel(actor: Actor, version: string, reason = ''): Promise<ModelView> {
    return this.db.write(async (m) => {
      const row = await m.findOne(RoutingModelRow, { where: { version }, select: { version: true, evaluation: true } });
      if (!row) throw notFound('model', version);
      if (row.evaluation && !row.evaluation.gate.activated && !reason.trim()) {
        throw unprocessable('reason_required', `model ${version} did not pass its evaluation (${row.evaluation.gate.reasons.join('；')}); activating it anyway needs a reason`);
      }
      return this.switchModel(m, version, 'activated_by_admin', reason.trim() || '管理员切换', actor.name);
    });
  }

  /** Routes by the knowledge alone until a model is activated again. */
  async deactivateModels(actor: Actor, reason = ''): Promise<void> {
    await this.db.write(async (m) => {
      await m.query(`LOCK TABLE routing_models IN SHARE ROW EXCLUSIVE MODE`);
      const rows = returnedRows<{ version: string }>(await m.query(`UPDATE routing_models SET active = false WHERE active RETURNING version`));
      for (const { version } of rows) await recordModelEvent(m, version, 'deactivated', reason.trim() || '管理员停用学习模型，仅用职责清单', actor.name, this.now());
    });
  }

  private async switchModel(m: EntityManager, version: string, action: ModelAction, reason: string, actor: string): Promise<ModelView> {
    // Two switches at once (two workers training) take turns: one active model, never a unique violation.
    await m.query(`LOCK TABLE routing_models IN SHARE ROW EXCLUSIVE MODE`);
    const replaced = returnedRows<{ version: string }>(await m.query(`UPDATE routing_models SET active = false WHERE active AND version <> $1 RETURNING version`, [version]));
    await m.query(`UPDATE routing_models SET active = true, activated_at = $2 WHERE version = $1 AND NOT active`, [version, this.now()]);
    for (const r of replaced) await recordModelEvent(m, r.version, 'replaced', `由 ${version} 取代`, actor, this.now());
    await recordModelEvent(m, version, action, reason, actor, this.now());
    return modelView(await m.findOneOrFail(RoutingModelRow, { where: { version }, select: MODEL_LISTING }));
  }

  /**
   * Orders waiting for an operator's routing, oldest first: those the router was unsure of, and
   * those a unit gave back (the centre approved the return), each with the router's suggestion.
   */
  triage(limit: number): Promise<TriageItem[]> {
    return this.db.read(async (m) => {
      type Row = { id: string; repeat_of_external_no: string | null };
      const rows = (await m.query(
        `SELECT w.id, o.external_no AS repeat_of_external_no
         FROM work_orders w JOIN routing_decisions r ON r.work_order_id = w.id LEFT JOIN work_orders o ON o.id = w.repeat_of_id
         WHERE w.state = 'received' ORDER BY r.decided_at, w.id LIMIT $1`,
        [limit],
      )) as Row[];
      const ids = rows.map((r) => r.id);
      const orders = new Map((await m.findBy(WorkOrder, { id: In(ids) })).map((o) => [o.id, o]));
      const decisions = new Map((await m.findBy(RoutingDecisionRow, { workOrderId: In(ids) })).map((d) => [d.workOrderId, d]));
      const names = await unitNames(m, [...decisions.values()].map((d) => d.suggestedUnitCode));
      return rows.map((r) => {
        const o = orders.get(r.id)!;
        const d = decisions.get(r.id)!;
        return {
          workOrderId: o.id,
          externalNo: o.externalNo,
          receivedAt: o.receivedAt.toISOString(),
          requestType: o.requestType,
          content: o.content,
          address: o.address,
          returned: o.dispatchCount > 0,
          repeatOf: o.repeatOfId ? { id: o.repeatOfId, externalNo: r.repeat_of_external_no! } : null,
          decidedAt: d.decidedAt.toISOString(),
          decision: named(d.decision, names),
        };
      });
    });
  }

  /** What the router said about an order and what became of it. */
  decisionOf(workOrderId: string): Promise<DecisionRecord> {
    return this.db.read(async (m) => {
      const row = await m.findOneBy(RoutingDecisionRow, { workOrderId });
      if (!row) throw notFound('routing decision of order', workOrderId);
      const names = await unitNames(m, [row.suggestedUnitCode]);
      return {
        workOrderId,
        outcome: row.outcome,
        decidedAt: row.decidedAt.toISOString(),
        decision: named(row.decision, names),
        resolvedUnitCode: row.resolvedUnitCode,
        resolvedBy: row.resolvedBy,
        resolvedAt: row.resolvedAt?.toISOString() ?? null,
      };
    });
  }

  /**
   * How the router did on the orders it decided in a period: what it dispatched by itself and
   * how much of that was corrected, what operators confirmed or corrected, and the accuracy by
   * confidence (to place the auto-dispatch threshold) and by knowledge and model version.
   */
  async quality(from: Date, to: Date): Promise<RoutingQuality> {
    if (!(from < to)) throw badRequest('invalid_period', 'from must be before to');
    type Row = { band: number | null; knowledge_version: string | null; model_version: string | null; by_band: number; by_version: number } & Record<
      'decisions' | 'auto_dispatched' | 'auto_corrected' | 'waiting' | 'withdrawn' | 'resolved' | 'right',
      number
    >;
    const rows = (await this.db.statement<Row>(
      `SELECT band, knowledge_version, model_version, GROUPING(band) AS by_band, GROUPING(knowledge_version, model_version) AS by_version,
              count(*)::int AS decisions,
              count(*) FILTER (WHERE auto_dispatched)::int AS auto_dispatched,
              count(*) FILTER (WHERE auto_dispatched AND outcome = 'corrected')::int AS auto_corrected,
              count(*) FILTER (WHERE outcome = 'triage')::int AS waiting,
              count(*) FILTER (WHERE outcome = 'withdrawn')::int AS withdrawn,
              count(*) FILTER (WHERE outcome IN ('auto_dispatched', 'confirmed', 'corrected'))::int AS resolved,
              count(*) FILTER (WHERE outcome IN ('auto_dispatched', 'confirmed'))::int AS "right"
       FROM (SELECT *, LEAST(floor(confidence * 10), 9)::int AS band FROM routing_decisions WHERE decided_at >= $1 AND decided_at < $2) d
       GROUP BY GROUPING SETS ((), (band), (knowledge_version, model_version))
       ORDER BY band NULLS FIRST, knowledge_version, model_version NULLS FIRST`,
      [from, to],
    )) as Row[];
    const router = await this.db.read(async (m) => {
      const { model, curve, evaluation } = await this.active(m);
      const { dispatch: policy } = await this.policies(m);
      const threshold = effectiveThreshold(policy, model ? curve : null);
      const point = curve?.find((p) => p.threshold >= threshold) ?? null;
      return {
        modelVersion: model?.version ?? null,
        threshold,
        thresholdFrom: (policy.targetAccuracy !== null && model && curve ? 'target_accuracy' : 'setting') as 'target_accuracy' | 'setting',
        targetAccuracy: policy.targetAccuracy,
        expectedShare: model && curve ? (point?.share ?? 0) : null,
        expectedAccuracy: model && curve ? (point?.accuracy ?? null) : null,
        evaluation,
      };
    });
    const tally = (r: Row) => ({ decisions: r.decisions, resolved: r.resolved, right: r.right, accuracy: r.resolved ? Number((r.right / r.resolved).toFixed(3)) : null });
    // The empty grouping set gives the totals: one row, even over no decisions.
    const total = rows.find((r) => r.by_band === 1 && r.by_version === 3)!;
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      ...tally(total),
      router,
      autoDispatched: total.auto_dispatched,
      autoDispatchedCorrected: total.auto_corrected,
      waiting: total.waiting,
      withdrawn: total.withdrawn,
      byConfidence: rows.filter((r) => r.by_band === 0).map((r) => ({ from: r.band! / 10, to: (r.band! + 1) / 10, ...tally(r) })),
      byVersion: rows
        .filter((r) => r.by_version === 0)
        .map((r) => ({ knowledgeVersion: r.knowledge_version!, modelVersion: r.model_version, autoDispatched: r.auto_dispatched, ...tally(r) })),
    };
  }

  /**
   * The job: routes orders one after the other, each in its own unit of work. A database outage
   * or a lost race stops the job, to be tried again (the orders routed stay routed, and routing
   * one twice does nothing); an order that fails otherwise does not hold up the others, and the
   * sweep finds it again.
   */
  async routeOrders(workOrderIds: string[]): Promise<void> {
    const failures: unknown[] = [];
    for (const id of workOrderIds) {
      try {
        await this.routeOrder(id);
      } catch (err) {
        if (isTransient(err)) throw err;
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} of ${workOrderIds.length} orders could not be routed`);
  }

  /** Routes one new order once (the decision's primary key sees to that). */
  async routeOrder(workOrderId: string): Promise<void> {
    await this.workOrders.unitOfWork(async (tx) => {
      const [row] = (await tx.m.query(`SELECT id FROM work_orders WHERE id = $1 AND state = 'received' FOR UPDATE`, [workOrderId])) as unknown[];
      if (!row || (await tx.m.existsBy(RoutingDecisionRow, { workOrderId }))) return;
      const { order, match } = await this.repeats.link(tx, await tx.m.findOneByOrFail(WorkOrder, { id: workOrderId }));
      await this.routeNew(tx, order, match);
    });
  }

  /**
   * New orders still waiting for their routing decision, and how long the oldest has waited: a
   * backlog that grows, or an oldest order older than a sweep or two, means the workers stopped
   * or cannot keep up (/metrics, for an alert).
   */
  async backlog(): Promise<{ orders: number; oldestSeconds: number }> {
    const [row] = await this.db.statement<{ orders: number; oldest: Date | string | null }>(
      `SELECT count(*)::int AS orders, min(w.created_at) AS oldest FROM work_orders w
       WHERE ${AWAITING_DECISION}`,
    );
    const waited = row.oldest === null ? 0 : (this.now().getTime() - new Date(row.oldest).getTime()) / 1000;
    return { orders: row.orders, oldestSeconds: Math.max(0, Math.round(waited)) };
  }

  /** New orders that have no decision yet (a lost job), oldest first, queued again; and training runs left behind (sweepTraining). */
  async sweep(limit = 500): Promise<number> {
    await this.sweepTraining();
    const rows = await this.db.statement<{ id: string }>(
      `SELECT w.id FROM work_orders w
       WHERE ${AWAITING_DECISION}
       ORDER BY w.created_at LIMIT $1`,
      [limit],
    );
    for (const { id } of rows) await this.jobs.enqueue('routing.route', { workOrderIds: [id] }, { jobId: `route:${id}` });
    return rows.length;
  }

  /** Decides a new order's unit; a repeat of an earlier order waits for the operator, who may merge it. */
  private async routeNew(tx: OrderTx, order: WorkOrder, repeat: RepeatMatch | null): Promise<WorkOrder> {
    const { compiled, model, curve, names } = await this.active(tx.m);
    const policies = await this.policies(tx.m);
    const decision = route({ content: order.content, address: order.address, category: order.category }, compiled, model, { policy: policies.router, names });
    if (repeat) decision.reasons.push(`疑似重复件（相似度 ${repeat.similarity}${repeat.sameCaller ? '，同一来电人' : ''}${repeat.samePlace ? '，同一地点' : ''}）：由人工决定是否合并`);
    const threshold = effectiveThreshold(policies.dispatch, model ? curve : null);
    const lead = decision.leadUnitCode ? await tx.m.findOneBy(Unit, { code: decision.leadUnitCode, active: true }) : null;
    const confident = lead !== null && dispatchesItself(decision, threshold) && !repeat;
    await tx.m.insert(RoutingDecisionRow, {
      workOrderId: order.id,
      police: decision.police,
      suggestedUnitCode: decision.leadUnitCode,
      confidence: decision.confidence,
      decision: decision as never,
      knowledgeVersion: decision.knowledgeVersion,
      modelVersion: decision.modelVersion,
      outcome: confident ? 'auto_dispatched' : 'triage',
      autoDispatched: confident,
      decidedAt: tx.now,
    });
    if (!confident) return order;
    const actor: Actor = { ...SYSTEM_ACTOR, name: 'router' };
    const assisting = decision.assistingUnitCodes.length ? await tx.m.findBy(Unit, { code: In(decision.assistingUnitCodes), active: true }) : [];
    return this.workOrders.transition(tx, actor, order, 'dispatch', {
      leadUnitCode: lead.code,
      assistingUnitCodes: assisting.map((u) => u.code),
      note: `自动派单（置信度 ${decision.confidence}）：${decision.reasons.join('；')}`.slice(0, 2000),
    });
  }
}

/** A decision with its lead unit's name, as operators read it. */
function named(decision: RoutingDecision, names: ReadonlyMap<string, string>): RoutingDecision & { leadUnitName: string | null } {
  return { ...decision, leadUnitName: decision.leadUnitCode ? (names.get(decision.leadUnitCode) ?? null) : null };
}

async function unitNames(m: EntityManager, codes: (string | null)[]): Promise<Map<string, string>> {
  const wanted = codes.filter((c): c is string => !!c);
  if (!wanted.length) return new Map();
  return new Map((await m.findBy(Unit, { code: In(wanted) })).map((u) => [u.code, u.name]));
}

/** Units a knowledge document names, for the directory to confirm. */
function namedUnits(k: Knowledge): string[] {
  return [...Object.keys(k.agencies), ...Object.keys(k.police), ...Object.keys(k.gazetteer), ...Object.keys(k.subdistrictGazetteer), k.fallbackPoliceUnit];
}

/** What the schema cannot say about a knowledge document. */
function knowledgeProblems(k: Knowledge): string[] {
  const problems: string[] = [];
  for (const unit of k.stationMatters) if (!(unit in k.police)) problems.push(`stationMatters names ${unit}, which has no police scope`);
  if (!(k.fallbackPoliceUnit in k.police)) problems.push(`fallbackPoliceUnit ${k.fallbackPoliceUnit} has no police scope`);
  for (const unit of Object.keys(k.agencies)) if (unit in k.police) problems.push(`${unit} is both a partner agency and a police unit`);
  return problems;
}

async function requireUnits(m: EntityManager, codes: string[]): Promise<void> {
  const wanted = [...new Set(codes)];
  const known = new Set((await m.findBy(Unit, { code: In(wanted) })).map((u) => u.code));
  const unknown = wanted.filter((c) => !known.has(c));
  if (unknown.length) throw unprocessable('unknown_unit', `unknown unit codes: ${unknown.slice(0, 20).join(', ')}`, { unitCodes: unknown.slice(0, 100) });
}

function knowledgeView(r: RoutingKnowledgeRow): KnowledgeVersionView {
  return { version: r.version, active: r.active, note: r.note, createdBy: r.createdBy, createdAt: r.createdAt.toISOString(), activatedAt: r.activatedAt?.toISOString() ?? null };
}

interface TrainingRunRow {
  id: string;
  state: TrainingRun['state'];
  requested_by: string;
  requested_at: Date;
  sources: TrainingSources;
  started_at: Date | null;
  finished_at: Date | null;
  model_version: string | null;
  outcome: TrainingRun['outcome'];
  error_code: string | null;
  error: string | null;
  reasons: string[] | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function trainingRunView(r: TrainingRunRow): TrainingRun {
  return {
    id: r.id,
    state: r.state,
    requestedBy: r.requested_by,
    requestedAt: iso(r.requested_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    sources: r.sources,
    modelVersion: r.model_version,
    outcome: r.outcome,
    reasons: r.reasons ?? [],
    error: r.error_code ? { code: r.error_code, message: r.error ?? '' } : null,
  };
}

function modelView(r: RoutingModelRow): ModelView {
  return {
    version: r.version,
    active: r.active,
    trainedOn: r.trainedOn,
    labels: r.labels,
    sources: r.sources,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    activatedAt: r.activatedAt?.toISOString() ?? null,
    gate: r.evaluation?.gate ?? null,
  };
}

async function recordModelEvent(m: EntityManager, version: string, action: ModelAction, reason: string, actor: string, at: Date): Promise<void> {
  await m.query(`INSERT INTO routing_model_events (model_version, action, reason, actor, at) VALUES ($1, $2, $3, $4, $5)`, [version, action, reason.slice(0, 2000), actor, at]);
}

async function modelEvents(m: EntityManager, version: string): Promise<ModelEvent[]> {
  const rows = (await m.query(`SELECT action, reason, actor, at FROM routing_model_events WHERE model_version = $1 ORDER BY at, id`, [version])) as { action: ModelAction; reason: string; actor: string; at: Date }[];
  return rows.map((r) => ({ action: r.action, reason: r.reason, actor: r.actor, at: new Date(r.at).toISOString() }));
}
