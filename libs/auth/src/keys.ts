import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWSAlgorithm, type JWTVerifyGetKey } from 'jose';
import { AuthError } from './errors.ts';

/** Where the verification key comes from: exactly one of these. */
export type KeySource =
  | { secret: string | Uint8Array; publicKeyPem?: undefined; jwksUrl?: undefined }
  | { publicKeyPem: string; secret?: undefined; jwksUrl?: undefined }
  | { jwksUrl: string | URL; secret?: undefined; publicKeyPem?: undefined };

/**
 * A key and the only algorithms it may verify. Pinning the algorithm to the key type is what
 * refuses algorithm switching: an RSA public key is never tried as an HMAC secret, and `none`
 * is never in the list.
 */
export interface ResolvedKey {
  algorithms: JWSAlgorithm[];
  getKey: JWTVerifyGetKey;
}

export interface KeyOptions {
  /** How long one JWKS fetch may take before verification reports `KEYS_UNAVAILABLE`. */
  jwksTimeoutMs?: number;
}

export function resolveKey(source: KeySource, options: KeyOptions = {}): ResolvedKey {
  const given = [source.secret, source.publicKeyPem, source.jwksUrl].filter((value) => value !== undefined);
  if (given.length !== 1) throw new TypeError('createVerifier needs exactly one of secret, publicKeyPem, jwksUrl');
  if (source.secret !== undefined) return secretKey(source.secret);
  if (source.publicKeyPem !== undefined) return pemKey(source.publicKeyPem);
  return jwksKey(new URL(source.jwksUrl), options);
}

function secretKey(secret: string | Uint8Array): ResolvedKey {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (bytes.length === 0) throw new TypeError('The token secret must not be empty');
  return { algorithms: ['HS256'], getKey: () => bytes };
}

function pemKey(pem: string): ResolvedKey {
  const key = createPublicKey(pem);
  return { algorithms: [algorithmOf(key)], getKey: () => key };
}

/** RS256 for RSA, ES256 for EC on P-256: the one algorithm the contract allows per key type. */
function algorithmOf(key: KeyObject): JWSAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new TypeError(`Unsupported token key: ${key.asymmetricKeyType ?? 'unknown'} (expected RSA or EC P-256)`);
}

/**
 * Keys come only from the configured JWKS URL; the token's `kid` merely selects among them and
 * its `alg` must match the selected key's type. Failing to reach the JWKS is a dependency failure.
 */
function jwksKey(url: URL, options: KeyOptions): ResolvedKey {
  const jwks = createRemoteJWKSet(url, { timeoutDuration: options.jwksTimeoutMs ?? 5000 });
  return {
    algorithms: ['RS256', 'ES256'],
    getKey: async (header, token) => {
      try {
        return await jwks(header, token);
      } catch (error) {
        // No (or several) matching keys are the token's problem; everything else is the endpoint's.
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
        if (error instanceof errors.JOSENotSupported || error instanceof errors.JOSEAlgNotAllowed) throw error;
        throw new AuthError('KEYS_UNAVAILABLE', { cause: error });
      }
    },
  };
}
