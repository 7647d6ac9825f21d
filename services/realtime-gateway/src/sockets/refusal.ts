import { AuthError } from '@chat/auth';
import { ErrorBody, type SocketError } from '@chat/contracts';
import { PeerUnavailableError, type PeerAnswer } from '../peers/client.ts';

/** A socket request refused for a reason the client may know: it becomes `{ok: false, error}`. */
export class SocketRefusal extends Error {
  override readonly name = 'SocketRefusal';
  readonly code: string;
  readonly details: unknown;

  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.details = details;
  }

  toError(): SocketError {
    return { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) };
  }
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** A service's refusal, passed on as the service worded it. */
export function refusalFromAnswer(answer: PeerAnswer): SocketRefusal {
  const body = ErrorBody.safeParse(answer.body);
  if (body.success) return new SocketRefusal(body.data.error.code, body.data.error.message, body.data.error.details);
  return new SocketRefusal(CODE_BY_STATUS[answer.status] ?? 'SERVICE_UNAVAILABLE', `The service answered ${answer.status}`);
}

/** What a socket is told about a failure; `internal` marks one whose cause is for the log only. */
export function socketErrorOf(error: unknown): { error: SocketError; internal: boolean } {
  if (error instanceof SocketRefusal) return { error: error.toError(), internal: false };
  if (error instanceof PeerUnavailableError) return { error: { code: 'SERVICE_UNAVAILABLE', message: error.message }, internal: false };
  if (error instanceof AuthError) {
    return error.code === 'KEYS_UNAVAILABLE'
      ? { error: { code: 'SERVICE_UNAVAILABLE', message: error.message }, internal: false }
      : { error: { code: 'UNAUTHENTICATED', message: error.message, details: { reason: error.code } }, internal: false };
  }
  return { error: { code: 'INTERNAL', message: 'Internal error' }, internal: true };
}
