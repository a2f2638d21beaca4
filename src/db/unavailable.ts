/**
 * Whether an error means the database is away (stopped, restarting, unreachable, out of
 * connections) rather than that the request or the code is wrong. Such a failure is
 * transient: the API answers 503 with Retry-After, and the job queues try the job again.
 *
 * PostgreSQL says so with SQLSTATE class 08 (connection exception), 57P01–57P03 (admin or
 * crash shutdown, cannot connect now) and 53300 (too many connections); node-postgres with a
 * socket error code or a "Connection terminated" message; TypeORM with
 * QueryRunnerAlreadyReleasedError when the connection under a transaction went away and the
 * rollback had nothing left to run on, and QueryRunnerProviderAlreadyReleasedError when the
 * transaction's next statement finds it gone.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const ERROR_NAMES = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError', 'ConnectionIsNotSetError']);
/** node-postgres and pg-pool messages for a connection lost or never made. */
const MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)/;

/** How long a client should wait before trying again, in seconds (PostgreSQL restarts in seconds). */
export const RETRY_AFTER_SECONDS = 5;

export function isDatabaseUnavailable(error: unknown): boolean {
  return anyCause(error, (e) => {
    if (typeof e.code === 'string' && (e.code.startsWith('08') || SQLSTATES.has(e.code) || SOCKET_CODES.has(e.code))) return true;
    if (typeof e.name === 'string' && ERROR_NAMES.has(e.name)) return true;
    if (e instanceof Error && e.constructor?.name && ERROR_NAMES.has(e.constructor.name)) return true;
    return typeof e.message === 'string' && MESSAGES.test(e.message);
  });
}

/**
 * SQLSTATEs of a transaction that lost a race (deadlock, serialization failure, lock not
 * available): tried again, the same work goes through. The API answers them 409 concurrent_update.
 */
export const LOST_RACE_SQLSTATES: readonly string[] = ['40P01', '40001', '55P03'];

export function isLostRace(error: unknown): boolean {
  return anyCause(error, (e) => typeof e.code === 'string' && LOST_RACE_SQLSTATES.includes(e.code));
}

/**
 * Whether a job that failed so is worth trying again after a back-off: the database was away,
 * or its transaction lost a race with another. Any other failure would fail again.
 */
export function isTransient(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isLostRace(error);
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** Whether the error, or one it wraps (TypeORM's driverError, a cause, an AggregateError's errors), passes `test`. */
function anyCause(error: unknown, test: (e: ErrorLike) => boolean, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as ErrorLike;
  if (test(e)) return true;
  const inner = [e.driverError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return inner.some((i) => i !== error && anyCause(i, test, depth + 1));
}
