import type { SocketError } from '@chat/contracts';

/**
 * A refusal from the platform (REST status and error body, or a socket acknowledgement), or
 * `NETWORK_ERROR` (status 0) when no answer came at all.
 */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  /** The HTTP status; 0 for socket refusals and network failures. */
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  static fromSocket(error: SocketError): ChatError {
    return new ChatError(0, error.code, error.message, error.details);
  }
}
