/**
 * SQL for the lowest transaction id that may still write to this database: the oldest running
 * transaction of this database, or, with none, the snapshot's xmax. Every change made by a
 * transaction below it is committed or rolled back, so a reader that moves a cursor by
 * transaction ids (the partner inbox) or waits out gaps in ids (the live event feed) is safe
 * below it.
 *
 * The snapshot's own xmin would do, but it is the whole cluster's: a long write in another
 * database (a bulk load, an index build, another service) would hold every reader still. A
 * running transaction is left out only when pg_stat_activity places it in another database
 * (there its id is 32 bits: compared modulo 2^32 with the snapshot's 64-bit ones); one it cannot
 * place counts. PGlite is one connection: nothing runs beside the reader there.
 */
export const TRANSACTION_HORIZON_SQL = `(
  SELECT coalesce(
    (SELECT min(x) FROM pg_snapshot_xip(s.snap) x
     WHERE (x::text::bigint % 4294967296)::text::xid NOT IN (
       SELECT backend_xid FROM pg_stat_activity WHERE datname IS DISTINCT FROM current_database() AND backend_xid IS NOT NULL)),
    pg_snapshot_xmax(s.snap))
  FROM (SELECT pg_current_snapshot() AS snap) s)`;
