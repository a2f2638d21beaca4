import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { AppError } from '../errors';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../db/unavailable';

/** RFC 9457 problem details, with our stable `code`. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    allowedActions: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The error responses a route may give, for its schema. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Problem]));
}

export function sendProblem(reply: FastifyReply, status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: `urn:problem:${code}`, title: TITLES[status] ?? 'Error', status, code, detail, instance: reply.request.url, ...extra });
}

/** Fastify's own 4xx errors, each with the code we promise to clients. */
const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed_json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'malformed_json'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_content_length'],
};

/** PostgreSQL errors that mean two requests raced: a deadlock, a serialization failure, a unique key taken meanwhile. */
const RACES: Record<string, string> = { '40P01': 'concurrent_update', '40001': 'concurrent_update', '55P03': 'concurrent_update', '23505': 'already_exists' };

function postgresCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * The database is away (stopped, restarting, unreachable): a 503 the client may retry, never a 500.
 * Whatever the request was doing rolled back with its transaction, so nothing is half-written,
 * and an intake retried with the same external number is idempotent.
 */
function sendDatabaseUnavailable(request: FastifyRequest, reply: FastifyReply, error: unknown) {
  request.log.warn({ err: error }, 'database unavailable');
  reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return sendProblem(reply, 503, 'database_unavailable', `the database is unavailable; nothing was written; retry in ${RETRY_AFTER_SECONDS} s`);
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) return sendProblem(reply, error.status, error.code, error.message, error.extra);
    if (error.validation) {
      const errors = error.validation.map((v) => ({
        path: `${error.validationContext ?? ''}${v.instancePath}${v.keyword === 'additionalProperties' ? `/${String((v.params as { additionalProperty?: string }).additionalProperty)}` : ''}`,
        message: v.message ?? 'is invalid',
      }));
      return sendProblem(reply, 400, 'validation_failed', errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known) return sendProblem(reply, known[0], known[1], error.message);
    if (error instanceof SyntaxError) return sendProblem(reply, 400, 'malformed_json', error.message);
    if (isDatabaseUnavailable(error)) return sendDatabaseUnavailable(request, reply, error);
    const pgCode = postgresCode(error) ?? '';
    const race = RACES[pgCode];
    // The transaction was rolled back whole: nothing is half-written, and the client may try again.
    if (race) return sendProblem(reply, 409, race, 'another change to the same records happened at the same moment; reload and try again');
    // Class 22, data exception: a value the database cannot take (a NUL character in a text, a date out of range).
    if (pgCode.startsWith('22')) {
      request.log.warn({ err: error }, 'a value the database refused');
      return sendProblem(reply, 400, 'invalid_value', 'a value in the request cannot be stored (for example a NUL character in a text, or a date out of range); nothing was written');
    }
    const status = error.statusCode ?? 500;
    if (status === 429) return sendProblem(reply, 429, 'rate_limited', error.message);
    if (status >= 400 && status < 500) return sendProblem(reply, status, 'bad_request', error.message);
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, 500, 'internal', 'an unexpected error occurred; it has been logged');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
}
