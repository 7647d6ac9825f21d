/** The kinds of refusal, each answered with its status: 404, 403, 400, 409, 503. */
export type RefusalKind = 'not-found' | 'forbidden' | 'invalid' | 'conflict' | 'unavailable';

/**
 * Why a service declines a request, in its domain's words and free of HTTP: the HTTP kit answers
 * it in the error shape of API.md, with its `code` and `details`. Declining is never a crash.
 */
export class Refusal extends Error {
  override readonly name = 'Refusal';
  readonly kind: RefusalKind;
  readonly code: string;
  readonly details: unknown;

  constructor(kind: RefusalKind, code: string, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.code = code;
    this.details = options.details;
  }
}

/**
 * Whether an error says that a dependency could not be reached, rather than that the work itself
 * is wrong: the same work succeeds once the dependency is back. The database kit's
 * `DatabaseUnavailableError` and a `SERVICE_UNAVAILABLE` answer are told by name and code, so
 * that no library has to import another's error class.
 */
export function isUnavailability(error: unknown): boolean {
  if (error instanceof Refusal) return error.kind === 'unavailable';
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'DatabaseUnavailableError' || code === 'SERVICE_UNAVAILABLE';
}
