export type AuthErrorCode =
  | 'TOKEN_MISSING'
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_CLAIMS_INVALID'
  | 'KEYS_UNAVAILABLE';

/** Fixed wording: what went wrong in a token is told to the server log (`cause`), never to the caller. */
const MESSAGES: Record<AuthErrorCode, string> = {
  TOKEN_MISSING: 'A bearer token is required',
  TOKEN_INVALID: 'The token is not valid',
  TOKEN_EXPIRED: 'The token has expired',
  TOKEN_NOT_YET_VALID: 'The token is not valid yet',
  TOKEN_CLAIMS_INVALID: 'The token claims are not acceptable',
  KEYS_UNAVAILABLE: 'The keys to verify tokens are unavailable',
};

/**
 * A token was refused (or, for `KEYS_UNAVAILABLE`, could not be checked because the JWKS
 * endpoint did not answer: a dependency failure, not the caller's fault).
 */
export class AuthError extends Error {
  readonly code: AuthErrorCode;

  constructor(code: AuthErrorCode, options?: { cause?: unknown }) {
    super(MESSAGES[code], options);
    this.name = 'AuthError';
    this.code = code;
  }
}
