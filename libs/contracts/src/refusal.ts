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
