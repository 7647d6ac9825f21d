import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { principalFromClaims, TokenClaims, type VerifiedPrincipal } from './claims.ts';
import { AuthError } from './errors.ts';
import { resolveKey, type KeyOptions, type KeySource } from './keys.ts';

export type VerifierOptions = KeySource &
  KeyOptions & {
    /** Checked when set: the token's `iss` must equal it (or one of them). */
    issuer?: string | string[] | undefined;
    /** Checked when set: the token's `aud` must contain it (or one of them). */
    audience?: string | string[] | undefined;
    /** Allowed clock skew for `exp` and `nbf`, in seconds. */
    clockToleranceSec?: number;
  };

export interface Verifier {
  /** The caller a token names; throws `AuthError` when it is refused. */
  verify(token: string): Promise<VerifiedPrincipal>;
}

/**
 * Header parameters by which a token names or carries its own key. A token that may tell us
 * which key to trust proves nothing, so a token carrying any of them is refused outright
 * (keys come only from configuration).
 */
const SELF_KEYING_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'] as const;

/** Far above any real token; refuses absurd input before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

const DEFAULT_CLOCK_TOLERANCE_SEC = 5;

export function createVerifier(options: VerifierOptions): Verifier {
  const key = resolveKey(options, options);
  const verifyOptions = {
    algorithms: key.algorithms,
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
    requiredClaims: ['exp'],
  };

  return {
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
        throw new AuthError('TOKEN_INVALID');
      }
      refuseSelfKeyingHeaders(token);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key.getKey, verifyOptions));
      } catch (error) {
        throw asAuthError(error);
      }
      const claims = TokenClaims.safeParse(payload);
      if (!claims.success) throw new AuthError('TOKEN_CLAIMS_INVALID', { cause: claims.error });
      return principalFromClaims(claims.data);
    },
  };
}

function refuseSelfKeyingHeaders(token: string): void {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    throw new AuthError('TOKEN_INVALID', { cause: error });
  }
  const named = SELF_KEYING_HEADERS.filter((name) => name in header);
  if (named.length > 0) {
    throw new AuthError('TOKEN_INVALID', { cause: new Error(`token header names its own key: ${named.join(', ')}`) });
  }
}

function asAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError('TOKEN_EXPIRED', { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new AuthError(error.claim === 'nbf' ? 'TOKEN_NOT_YET_VALID' : 'TOKEN_CLAIMS_INVALID', { cause: error });
  }
  return new AuthError('TOKEN_INVALID', { cause: error });
}
