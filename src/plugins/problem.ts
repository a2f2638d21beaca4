import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { AppError } from '../errors';
import { isDatabaseUnavailable, LOST_RACE_SQLSTATES, RETRY_AFTER_SECONDS } from '../db/unavailable';

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
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
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
const RACES: Record<string, string> = { ...Object.fromEntries(LOST_RACE_SQLSTATES.map((code) => [code, 'concurrent_update'])), '23505': 'already_exists' };

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

// ---- errors before routing: the router's and Node's HTTP parser's ----

/** A problem that names no instance: what reaches these handlers may be a malformed path or a query with citizen data. */
function bareProblem(status: number, code: string, detail: string) {
  return { type: `urn:problem:${code}`, title: TITLES[status] ?? 'Error', status, code, detail };
}

/** What the router refuses before any route runs, each with a stable code. */
const FRAMEWORK_CODES: Record<string, [number, string, string]> = {
  FST_ERR_BAD_URL: [400, 'bad_url', 'the URL holds a malformed percent-encoding: every % must be followed by two hexadecimal digits'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'path_param_too_long', 'a path parameter is longer than the router accepts (100 characters)'],
};

/** Fastify's `frameworkErrors`: the router's refusals as problem+json, logged without the path. */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [status, code, detail] = FRAMEWORK_CODES[error.code] ?? [500, 'internal', 'an unexpected error occurred; it has been logged'];
  if (status >= 500) request.log.error({ errCode: error.code }, 'request failed before routing');
  else request.log.warn({ errCode: error.code, code }, 'request refused before routing');
  void reply.code(status).type('application/problem+json').send(bareProblem(status, code, detail));
}

const NON_ASCII = /[\x80-\xff]/;

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses never reaches a route, so it is
 * answered here, on the socket, as problem+json. The commonest is a query in raw UTF-8
 * (`curl '...?q=噪音'`): say how to send it. Neither the URL nor the raw request is logged.
 */
export function clientErrorHandler(this: FastifyInstance, err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const raw = (err as { rawPacket?: unknown }).rawPacket;
  const requestLine = Buffer.isBuffer(raw) ? raw.subarray(0, raw.indexOf(0x0a) < 0 ? raw.length : raw.indexOf(0x0a)).toString('latin1') : '';
  let problem: ReturnType<typeof bareProblem>;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') problem = bareProblem(408, 'request_timeout', 'the request did not arrive in time');
  else if (err.code === 'HPE_HEADER_OVERFLOW') problem = bareProblem(431, 'headers_too_large', 'the request headers are larger than the server accepts');
  else if (err.code === 'HPE_INVALID_URL' && NON_ASCII.test(requestLine)) {
    problem = bareProblem(
      400,
      'url_not_encoded',
      "the URL holds characters that must be percent-encoded (RFC 3986): encode the query, e.g. q=%E5%99%AA%E9%9F%B3 for q=噪音; with curl use -G --data-urlencode 'q=噪音'",
    );
  } else if (err.code === 'HPE_INVALID_URL') problem = bareProblem(400, 'bad_url', 'the URL is malformed');
  else problem = bareProblem(400, 'malformed_request', 'the HTTP request is malformed');
  this.log.warn({ errCode: err.code, code: problem.code }, 'request refused by the HTTP parser');
  if (socket.writable) {
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** The server options that route these refusals here. */
export const refusalHandlers = { frameworkErrors: frameworkErrorHandler, clientErrorHandler } satisfies Partial<FastifyServerOptions>;
