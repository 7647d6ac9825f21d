/**
 * PostgreSQL cannot be reached or the connection was cut. The HTTP layer answers 503 for it,
 * callers of readiness report not-ready; it is never a bug in the request.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  readonly code = 'DATABASE_UNAVAILABLE';

  constructor(message = 'database unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/** SQLSTATEs that mean the server went away or will not take us now, rather than that the query is wrong. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** node-postgres reports a dropped or unobtainable connection with these messages and no code. */
const UNAVAILABLE_MESSAGES = [
  'connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'server closed the connection unexpectedly',
];

/** The error and what it wraps: TypeORM's `driverError`, `cause`, and AggregateError's members. */
function* chainOf(err: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (depth > 5 || err === null || typeof err !== 'object') return;
  const e = err as Record<string, unknown>;
  yield e;
  yield* chainOf(e.driverError, depth + 1);
  yield* chainOf(e.cause, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chainOf(inner, depth + 1);
}

/** SQLSTATE classes start with a digit or F, H, P, X; Node's errno codes (EPIPE) never match. */
const SQLSTATE = /^[0-9FHPX][0-9A-Z]{4}$/;

/** The SQLSTATE of a PostgreSQL error, wherever it is wrapped. */
export function sqlStateOf(err: unknown): string | undefined {
  for (const e of chainOf(err)) {
    if (typeof e.code === 'string' && SQLSTATE.test(e.code)) return e.code;
  }
  return undefined;
}

export function isConnectionFailure(err: unknown): boolean {
  for (const e of chainOf(err)) {
    if (e instanceof DatabaseUnavailableError) return true;
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
    const message = typeof e.message === 'string' ? e.message.toLowerCase() : '';
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/** Serialization failures and deadlocks: the whole transaction may simply be tried again. */
export function isRetryableConflict(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state === '40001' || state === '40P01';
}

/** A connection failure becomes DatabaseUnavailableError; anything else is left as it is. */
export function asDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError) return err;
  if (isConnectionFailure(err)) {
    const reason = err instanceof Error ? err.message : String(err);
    return new DatabaseUnavailableError(`database unavailable: ${reason}`, { cause: err });
  }
  return err;
}
