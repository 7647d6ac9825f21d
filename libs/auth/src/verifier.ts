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
    /**
     * Tokens whose verification is remembered (every request of a client carries the same one):
     * default 10,000; 0 verifies every time.
     */
    cacheSize?: number;
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
const DEFAULT_CACHE_SIZE = 10_000;
/**
 * A remembered verification is trusted this long at most, so that a key taken out of a JWKS stops
 * vouching for its tokens within a minute, as a fresh verification would after the key set's refresh.
 */
const CACHE_TTL_MS = 60_000;

export function createVerifier(options: VerifierOptions): Verifier {
  const key = resolveKey(options, options);
  const verifyOptions = {
    algorithms: key.algorithms,
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
    requiredClaims: ['exp'],
  };

  const toleranceMs = verifyOptions.clockTolerance * 1_000;
  const cache = new VerifiedTokens(options.cacheSize ?? DEFAULT_CACHE_SIZE);

  return {
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
        throw new AuthError('TOKEN_INVALID');
      }
      const remembered = cache.get(token);
      if (remembered) {
        // The signature and claims were checked; only time has moved since.
        if (Date.now() >= remembered.expiresAt + toleranceMs) throw new AuthError('TOKEN_EXPIRED');
        return { ...remembered };
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
      const principal = principalFromClaims(claims.data);
      cache.set(token, principal);
      return { ...principal };
    },
  };
}

/**
 * Tokens that passed verification, by their exact text: the same bytes verify the same way, so a
 * client's every request after its first costs a map look-up instead of a signature check.
 * Only successes are kept, each for at most CACHE_TTL_MS; the oldest go first when it is full.
 */
class VerifiedTokens {
  readonly #size: number;
  readonly #entries = new Map<string, { principal: VerifiedPrincipal; until: number }>();

  constructor(size: number) {
    this.#size = size;
  }

  get(token: string): VerifiedPrincipal | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (Date.now() < entry.until) return entry.principal;
    this.#entries.delete(token);
    return undefined;
  }

  set(token: string, principal: VerifiedPrincipal): void {
    if (this.#size <= 0) return;
    this.#entries.delete(token);
    this.#entries.set(token, { principal, until: Date.now() + CACHE_TTL_MS });
    if (this.#entries.size > this.#size) this.#entries.delete(this.#entries.keys().next().value!);
  }
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
