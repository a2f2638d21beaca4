import type { FastifyBaseLogger } from 'fastify';
import type { Client } from 'pg';
import { getPGliteInstance } from 'typeorm-pglite';
import type { Database } from '../../db/database';
import { TRANSACTION_HORIZON_SQL } from '../../db/transaction-horizon';

/** The channel the work_order_events trigger notifies when a transaction that wrote events commits. */
export const EVENTS_CHANNEL = 'hotline_events';

/** One work-order event as the live stream shows it: no citizen data, ever. */
export interface LiveEvent {
  /** The event's id in work_order_events (its identity sequence), as a decimal string. */
  id: string;
  kind: string;
  orderId: string;
  externalNo: string;
  at: string;
  /** The order's lead unit now. */
  unitCode: string | null;
  /** Units that have held the order: their staff may see its events. */
  holderUnitIds: string[];
}

/** The stream's event names for the life-cycle actions; any other action is `order.<action>`. */
const KINDS: Record<string, string> = {
  create: 'order.received',
  dispatch: 'order.dispatched',
  sign: 'order.signed',
  return: 'order.returned',
  'approve-return': 'return.approved',
  'reject-return': 'return.rejected',
  'request-extension': 'extension.requested',
  'approve-extension': 'extension.approved',
  'refuse-extension': 'extension.refused',
  reply: 'order.replied',
  close: 'order.closed',
  reopen: 'order.reopened',
  cancel: 'order.cancelled',
  merge: 'order.merged',
  'mark-difficult': 'order.marked-difficult',
  'link-repeat': 'order.repeat-linked',
};

export const kindOf = (action: string) => KINDS[action] ?? `order.${action}`;

interface Row {
  id: string;
  action: string;
  at: Date | string;
  work_order_id: string;
  external_no: string;
  unit_code: string | null;
  holders: string[] | string;
  horizon: string;
  xmax: string;
}

/**
 * Each row carries the snapshot it was read in: a gap in the ids below a visible event is a
 * transaction still running (or rolled back), and is waited for until every transaction that
 * was running when the gap was seen has ended.
 */
const EVENTS_SQL = `
  SELECT e.id::text AS id, e.action, e.at, e.work_order_id, o.external_no, u.code AS unit_code, to_json(o.holder_unit_ids) AS holders,
         ${TRANSACTION_HORIZON_SQL}::text AS horizon, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax
  FROM work_order_events e
  JOIN work_orders o ON o.id = e.work_order_id
  LEFT JOIN units u ON u.id = o.lead_unit_id
  WHERE e.id > $1 AND ($2::bigint IS NULL OR e.id <= $2::bigint)
  ORDER BY e.id
  LIMIT $3`;

const PAGE = 1000;
/** How often the feed reads the table even without a notification (a lost LISTEN connection), in ms. */
const POLL_MS = 5_000;
/** How soon a lost LISTEN connection is tried again, and the longest wait between later tries, in ms. */
const RELISTEN_FIRST_MS = 1_000;
const RELISTEN_MAX_MS = 30_000;
/** How soon a gap in the ids is looked at again, in ms. */
const GAP_RETRY_MS = 200;
/**
 * The longest a gap is waited for, in ms. The horizon (TRANSACTION_HORIZON_SQL) is this
 * database's, yet a long transaction here that takes no event id (a training run, a report)
 * holds it back too, while the writes that take event ids last milliseconds. Past this the gap
 * is taken for a rollback.
 */
const GAP_MAX_WAIT_MS = 3_000;

const toEvent = (r: Row): LiveEvent => ({
  id: r.id,
  kind: kindOf(r.action),
  orderId: r.work_order_id,
  externalNo: r.external_no,
  at: new Date(r.at).toISOString(),
  unitCode: r.unit_code,
  holderUnitIds: typeof r.holders === 'string' ? (JSON.parse(r.holders) as string[]) : r.holders,
});

/**
 * The live feed of work-order events in one API process. The database is the source: a
 * trigger on work_order_events NOTIFYs `hotline_events` when a transaction that wrote events
 * commits, whichever process wrote them, and every listening process then reads the new
 * rows once and hands them to its subscribers (browsers on GET /api/v1/events), in id order,
 * never skipping an id whose transaction may still commit. On PostgreSQL one connection per
 * process LISTENs; PGlite is one process, and its own notifications wake it. A poll every few
 * seconds covers a dropped LISTEN connection.
 */
export class EventFeed {
  private lastId = 0n;
  private readonly subscribers = new Set<(event: LiveEvent) => void>();
  private gap: { before: bigint; xmax: bigint; seenAt: number } | null = null;
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private listener: Client | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private readonly closers = new Set<() => void>();

  constructor(
    private readonly db: Database,
    private readonly databaseUrl: string | undefined,
    private readonly log: FastifyBaseLogger,
  ) {}

  private starting: Promise<void> | null = null;

  /** Starts listening on first use, so that a process nobody streams from holds no LISTEN connection. */
  start(): Promise<void> {
    this.starting ??= this.open().catch((err: unknown) => {
      this.starting = null;
      throw err;
    });
    return this.starting;
  }

  private async open(): Promise<void> {
    // The sequence, not the table's last row: ids taken by rolled-back (or truncated) rows are no gap to wait for.
    const [row] = await this.db.statement<{ max: string }>(
      `SELECT greatest((SELECT coalesce(max(id), 0) FROM work_order_events), (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM work_order_events_id_seq))::text AS max`,
    );
    this.lastId = BigInt(row.max);
    if (this.databaseUrl) await this.listenPostgres();
    else await this.db.read(async () => {
      // Inside the database's turn, so that LISTEN does not land in another unit of work's transaction.
      this.unlisten = await (await getPGliteInstance()).listen(EVENTS_CHANNEL, () => void this.wake());
    });
    const poll = setInterval(() => void this.wake(), POLL_MS);
    poll.unref();
    this.timers.push(poll);
  }

  /** Ends every open stream, then stops listening. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    for (const close of this.closers) close();
    for (const t of this.timers) clearInterval(t);
    await this.running;
    if (this.listener) await this.listener.end().catch(() => undefined);
    if (this.unlisten) await this.db.read(() => this.unlisten!()).catch(() => undefined);
  }

  /**
   * Receives every event from now on, in id order; `horizon` is the last id delivered before,
   * so that a catch-up reads up to it and the live events follow without overlap or gap.
   * `close` is called when the feed stops (the stream should end).
   */
  subscribe(onEvent: (event: LiveEvent) => void, close: () => void): { horizon: string; unsubscribe: () => void } {
    this.subscribers.add(onEvent);
    this.closers.add(close);
    return {
      horizon: this.lastId.toString(),
      unsubscribe: () => {
        this.subscribers.delete(onEvent);
        this.closers.delete(close);
      },
    };
  }

  /** Events after `afterId` up to `uptoId`, from the database: a reconnecting browser's catch-up. */
  async replay(afterId: string, uptoId: string, limit = PAGE): Promise<LiveEvent[]> {
    const rows = await this.db.statement<Row>(EVENTS_SQL, [afterId, uptoId, limit]);
    return rows.map(toEvent);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Reads what is new. Wake-ups while a read is waiting to start share it; one that comes
   * while a read runs queues one more after it. Resolves when a read that started after the
   * call has finished.
   */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.queued) {
      const next: Promise<void> = this.running.then(() => {
        this.queued = null;
        return this.pump().catch((err: unknown) => this.log.warn({ err }, 'event feed read failed'));
      });
      this.queued = next;
      this.running = next;
    }
    return this.queued;
  }

  private async pump(): Promise<void> {
    for (;;) {
      const rows = await this.db.statement<Row>(EVENTS_SQL, [this.lastId.toString(), null, PAGE]);
      if (rows.length === 0) return;
      const horizon = BigInt(rows[0].horizon);
      for (const row of rows) {
        const id = BigInt(row.id);
        if (id !== this.lastId + 1n) {
          // Ids below this one are missing: a transaction that took them is still running, or rolled back.
          // Every transaction running when the gap was first seen has ended (the horizon passed its xmax): what it wrote is in these rows, so the rest is gone.
          const settled = this.gap !== null && id <= this.gap.before && (horizon >= this.gap.xmax || Date.now() - this.gap.seenAt >= GAP_MAX_WAIT_MS);
          if (!settled) {
            if (!this.gap || id > this.gap.before) this.gap = { before: id, xmax: BigInt(row.xmax), seenAt: Date.now() };
            const retry = setTimeout(() => void this.wake(), GAP_RETRY_MS);
            retry.unref();
            return;
          }
          if (horizon < this.gap!.xmax) this.log.warn({ from: (this.lastId + 1n).toString(), to: (id - 1n).toString() }, 'event feed passed ids whose transactions had not visibly ended');
        }
        this.gap = null;
        this.lastId = id;
        const event = toEvent(row);
        for (const deliver of this.subscribers) deliver(event);
      }
      if (rows.length < PAGE) return;
    }
  }

  /**
   * Whether the database wakes the feed as events commit: PostgreSQL's LISTEN connection is up,
   * or PGlite's listener is set. False before the first stream, and while a lost LISTEN
   * connection is tried again: then the poll delivers events every few seconds.
   */
  get listening(): boolean {
    return this.listener !== null || this.unlisten !== null;
  }

  /** How many streams are open on this process. */
  get streams(): number {
    return this.closers.size;
  }

  private async listenPostgres(): Promise<void> {
    const { Client: PgClient } = await import('pg'); // on PostgreSQL only: the embedded default never loads pg
    const client = new PgClient({ connectionString: this.databaseUrl });
    client.on('notification', () => void this.wake());
    client.on('error', (err) => {
      // A connection not yet listening fails its connect or LISTEN instead, handled below.
      if (this.listener !== client) return;
      this.log.warn({ err }, 'event feed lost its LISTEN connection; reconnecting');
      this.listener = null;
      client.end().catch(() => undefined);
      this.relisten(RELISTEN_FIRST_MS);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    // Whatever committed while not listening.
    void this.wake();
  }

  /**
   * LISTENs again after `delayMs`, and after each failure twice as long again, up to
   * RELISTEN_MAX_MS, until it succeeds or the feed stops: a database down for longer than one
   * attempt (a restart) leaves no process on the poll alone.
   */
  private relisten(delayMs: number): void {
    if (this.stopped) return;
    const retry = setTimeout(() => {
      this.listenPostgres().catch((err: unknown) => {
        const next = Math.min(2 * delayMs, RELISTEN_MAX_MS);
        this.log.warn({ err, retryInMs: next }, 'event feed could not LISTEN; trying again');
        this.relisten(next);
      });
    }, delayMs);
    retry.unref();
  }
}
