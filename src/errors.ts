/**
 * Typed errors the domain throws; the error handler turns each into an
 * application/problem+json response (RFC 9457) with a stable `code`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) => new AppError(404, 'not_found', `${what} ${id} does not exist`);

export const conflict = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  new AppError(409, code, message, extra);

export const unprocessable = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  new AppError(422, code, message, extra);

export const badRequest = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  new AppError(400, code, message, extra);
