/**
 * Why the domain refuses a request, independent of HTTP: the routes map each kind to its status
 * (404, 403, 400, 409) and the consumers treat them as "nothing to do".
 */
export type RefusalKind = 'NOT_FOUND' | 'FORBIDDEN' | 'INVALID' | 'CONFLICT';

export class Refusal extends Error {
  override readonly name = 'Refusal';
  readonly kind: RefusalKind;
  readonly code: string;
  readonly details: unknown;

  constructor(kind: RefusalKind, code: string, message: string, details?: unknown) {
    super(message);
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

/** The one answer for a channel that does not exist, is another tenant's, or may not be seen. */
export function channelNotFound(): Refusal {
  return new Refusal('NOT_FOUND', 'CHANNEL_NOT_FOUND', 'Channel not found');
}

export function forbidden(message: string, code = 'FORBIDDEN'): Refusal {
  return new Refusal('FORBIDDEN', code, message);
}

/** Bad input that passed the schema but breaks a rule; `field` goes into `details`. */
export function invalid(code: string, message: string, field: string): Refusal {
  return new Refusal('INVALID', code, message, [{ field, message }]);
}
