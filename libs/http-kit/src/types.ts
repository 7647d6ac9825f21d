import type { VerifiedPrincipal } from '@chat/auth';
import type { Logger } from '@chat/telemetry';

declare global {
  // Express's own extension point for request properties (declaration merging).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** From a sane `x-request-id` header, else generated; echoed in the response. */
      requestId: string;
      /** The service logger bound to this request's id. */
      log: Logger;
      /** Set by `authenticate`: the caller the bearer token names. */
      principal?: VerifiedPrincipal;
      /** A body the JSON parser refused (malformed, too large): `parseBody` answers it (body.ts). */
      bodyError?: unknown;
    }
  }
}

export {};
