import { AuthError } from '@chat/auth';
import { isUnavailability, Refusal, type RefusalKind } from '@chat/contracts';

/** One problem with one input field, as listed in a 400's `details`. */
export interface FieldProblem {
  field: string;
  message: string;
}

export interface HttpErrorOptions {
  code?: string;
  details?: unknown;
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error that knows its answer: thrown anywhere in a handler, it reaches the caller as
 * `{ "error": { code, message, details? } }` with its status. The message is for the caller,
 * so it must not carry internals.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, options: Omit<HttpErrorOptions, 'code'> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

function factory(status: number, defaultCode: string, defaultMessage: string, fixedHeaders: Record<string, string> = {}) {
  return (message = defaultMessage, options: HttpErrorOptions = {}) =>
    new HttpError(status, options.code ?? defaultCode, message, { ...options, headers: { ...fixedHeaders, ...options.headers } });
}

/** 400 with `details` naming each bad field. */
export function validationFailed(details: FieldProblem[], message = 'The request is not valid'): HttpError {
  return new HttpError(400, 'VALIDATION_FAILED', message, { details });
}
export const badRequest = factory(400, 'BAD_REQUEST', 'The request is not valid');
export const unauthenticated = factory(401, 'UNAUTHENTICATED', 'Authentication is required', { 'www-authenticate': 'Bearer' });
export const forbidden = factory(403, 'FORBIDDEN', 'This role may not do that');
export const notFound = factory(404, 'NOT_FOUND', 'Not found');
export const conflict = factory(409, 'CONFLICT', 'The request conflicts with the current state');
export const payloadTooLarge = factory(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
export const unsupportedMediaType = factory(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json');
export const serviceUnavailable = factory(503, 'SERVICE_UNAVAILABLE', 'A dependency is unavailable; try again shortly', { 'retry-after': '1' });

/** 429; `retryAfterSec` becomes `Retry-After`. */
export function tooManyRequests(retryAfterSec?: number, message = 'Too many requests; slow down'): HttpError {
  const headers: Record<string, string> = retryAfterSec === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSec))) };
  return new HttpError(429, 'RATE_LIMITED', message, { headers });
}

/** Codes for the 4xx errors that express and body-parser raise themselves (`http-errors`). */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/**
 * Whatever was thrown, as the HttpError the caller gets. `internal` marks what the caller must
 * not learn about (500s): their cause is for the log only.
 */
const REFUSAL_STATUS: Record<RefusalKind, number> = { 'not-found': 404, forbidden: 403, invalid: 400, conflict: 409, unavailable: 503 };

export function toHttpError(error: unknown): { httpError: HttpError; internal: boolean } {
  if (error instanceof HttpError) return { httpError: error, internal: false };
  if (error instanceof AuthError) return { httpError: fromAuthError(error), internal: false };
  if (error instanceof Refusal) {
    const refused = new HttpError(REFUSAL_STATUS[error.kind], error.code, error.message, { details: error.details, cause: error });
    return { httpError: refused, internal: false };
  }
  if (isUnavailability(error)) return { httpError: serviceUnavailable(undefined, { cause: error }), internal: false };
  const bodyError = fromBodyParser(error);
  if (bodyError) return { httpError: bodyError, internal: false };
  const status = clientErrorStatus(error);
  if (status !== undefined) {
    return { httpError: new HttpError(status, CODE_BY_STATUS[status] ?? 'BAD_REQUEST', 'The request is not valid', { cause: error }), internal: false };
  }
  return { httpError: new HttpError(500, 'INTERNAL', 'Internal error', { cause: error }), internal: true };
}

/** The `{ error: { code, message, details? } }` body, also usable in socket acknowledgements. */
export function errorBody(error: HttpError): { error: { code: string; message: string; details?: unknown } } {
  return { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
}

function fromAuthError(error: AuthError): HttpError {
  if (error.code === 'KEYS_UNAVAILABLE') return serviceUnavailable(undefined, { cause: error });
  return unauthenticated(error.message, {
    details: { reason: error.code },
    headers: { 'www-authenticate': error.code === 'TOKEN_MISSING' ? 'Bearer' : 'Bearer error="invalid_token"' },
    cause: error,
  });
}

function fromBodyParser(error: unknown): HttpError | undefined {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  if (type === 'entity.too.large') return payloadTooLarge(undefined, { cause: error });
  if (type === 'entity.parse.failed') return badRequest('The request body is not valid JSON', { code: 'MALFORMED_JSON', cause: error });
  return undefined;
}

/** A 4xx that a library marked as safe to show (`expose`), e.g. a bad percent-encoding in a path. */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode, expose } = error as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  if (typeof value !== 'number' || value < 400 || value > 499 || expose === false) return undefined;
  return value;
}
