/**
 * Group commit of intake: orders that arrive together are written together, in one statement
 * (one round trip, one commit, one WAL flush) instead of one each.
 *
 * A batch closes as soon as a write may start: at most `maxInFlight` batches are written at
 * once, and the orders that arrive meanwhile wait for the next one. So an order that arrives
 * alone goes alone, at once (in the same turn of the event loop as the others that came with
 * it), and under load a batch holds what arrived while the previous ones were being written:
 * the busier the service, the larger its batches, without a timer that every order waits out.
 * A batch that reaches `maxSize` goes at once whatever is in flight, and a batch still at the
 * database after `stallMs` (a lock wait, say) no longer holds the next one back.
 *
 * Each caller's promise settles only after the statement that carries its order has returned,
 * that is after its commit: an order is never acknowledged before it is durable (a shutdown
 * waits for them, as for any request in flight). Batches in flight each hold their own pooled
 * connection.
 *
 * Rows are validated before they get here; still, should a batch fail as a whole (a constraint
 * no validation foresaw), each of its rows is tried again alone, so that one bad order fails
 * alone. Two orders of one batch under the same key go in as one row: the first one's; the
 * other learns that its key is taken, like a retry arriving later.
 */
export interface BatchWriter<Row, Result> {
  /** Writes the rows in one statement; returns, for each, its result (null: the key was already taken). */
  many(rows: Row[]): Promise<(Result | null)[]>;
  /** Writes one row alone (the fallback when a batch fails). */
  one(row: Row): Promise<Result | null>;
}

interface Waiting<Row, Result> {
  row: Row;
  key: string;
  resolve(result: Result | null): void;
  reject(err: unknown): void;
}

export class IntakeBatcher<Row, Result> {
  private waiting: Waiting<Row, Result>[] = [];
  private closing = false;
  private inFlight = 0;

  constructor(
    private readonly writer: BatchWriter<Row, Result>,
    private readonly options: { maxSize: number; maxInFlight: number; stallMs: number } = { maxSize: 64, maxInFlight: 1, stallMs: 100 },
  ) {}

  /** Resolves with the written row's result once committed, or null if `key` was already taken. */
  submit(key: string, row: Row): Promise<Result | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ row, key, resolve, reject });
      if (this.waiting.length >= this.options.maxSize) this.close();
      else this.closeSoon();
    });
  }

  /** Closes the batch once this turn of the event loop has read what arrived with it, if a write may start. */
  private closeSoon(): void {
    if (this.closing || this.inFlight >= this.options.maxInFlight) return;
    this.closing = true;
    setImmediate(() => {
      this.closing = false;
      if (this.inFlight < this.options.maxInFlight) this.close();
    });
  }

  private close(): void {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    // Counted in flight until it returns, or until it stalls.
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      this.inFlight--;
      if (this.waiting.length) this.closeSoon();
    };
    this.inFlight++;
    const stalled = setTimeout(uncount, this.options.stallMs);
    void this.write(batch).finally(() => {
      clearTimeout(stalled);
      uncount();
    });
  }

  private async write(batch: Waiting<Row, Result>[]): Promise<void> {
    // One row per key; the others of that key learn it is taken once the first is written.
    const firsts = new Map<string, Waiting<Row, Result>>();
    const repeats: Waiting<Row, Result>[] = [];
    for (const w of batch) {
      if (firsts.has(w.key)) repeats.push(w);
      else firsts.set(w.key, w);
    }
    // In key order, so that two batches in flight lock their keys in the same order and never deadlock.
    const rows = [...firsts.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const failed = new Map<string, unknown>();
    try {
      const results = await this.writer.many(rows.map((w) => w.row));
      rows.forEach((w, i) => w.resolve(results[i]));
    } catch {
      await Promise.all(
        rows.map(async (w) => {
          try {
            w.resolve(await this.writer.one(w.row));
          } catch (err) {
            failed.set(w.key, err);
            w.reject(err);
          }
        }),
      );
    }
    for (const w of repeats) {
      if (failed.has(w.key)) w.reject(failed.get(w.key));
      else w.resolve(null);
    }
  }
}
