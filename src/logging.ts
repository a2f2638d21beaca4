import type { LoggerOptions } from 'pino';

/**
 * Logging that keeps citizens out of the logs: their names and phones are redacted where they
 * travel as fields, and an error is logged by its type, code, message and stack only, never its
 * enumerable extras (a database error carries the query's parameters, an order's phone among them).
 */
export function logOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.citizen', '*.citizenName', '*.citizenPhone', '*.phone', '*.name'], remove: true },
    serializers: { err: safeError },
  };
}

/** Quoted values in a database message ("invalid input syntax for type uuid: \"...\"") are left out too. */
export function safeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  const fromDatabase = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
  const scrub = (text: string) => (fromDatabase ? text.replace(/"[^"]*"/g, '"…"') : text);
  return {
    type: err.constructor.name,
    ...(code !== undefined && { code }),
    message: scrub(err.message),
    stack: err.stack && scrub(err.stack),
  };
}
