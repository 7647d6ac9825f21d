import { createHash, createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from './load.ts';
import { devAuth, url } from './vars.ts';

/**
 * `JWT_PUBLIC_KEY`: a PEM public key (SPKI) or certificate. Manifests and `.env` files often carry
 * it on one line with `\n` escapes, so those are turned back into line breaks.
 */
export const publicKeyPem = z
  .string()
  .transform((text) => text.replace(/\\n/g, '\n').trim())
  .refine(
    (pem) => {
      if (!/^-----BEGIN (PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----/.test(pem)) return false;
      try {
        createPublicKey(pem);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'must be a PEM public key ("-----BEGIN PUBLIC KEY-----") or certificate' },
  );

/** The variables of token verification; spread into a service's schema, then apply `withJwtKeyRule`. */
export const jwtEnv = {
  JWT_SECRET: z.string().optional(),
  JWT_PUBLIC_KEY: publicKeyPem.optional(),
  JWT_JWKS_URL: url('http', 'https').optional(),
  JWT_ISSUER: z.string().optional(),
  JWT_AUDIENCE: z.string().optional(),
  DEV_AUTH: devAuth,
};

export interface JwtEnv {
  JWT_SECRET?: string | undefined;
  JWT_PUBLIC_KEY?: string | undefined;
  JWT_JWKS_URL?: string | undefined;
  JWT_ISSUER?: string | undefined;
  JWT_AUDIENCE?: string | undefined;
  DEV_AUTH: boolean;
}

const KEY_VARIABLES = ['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL'] as const;

/**
 * The secret every process of a local run derives when `DEV_AUTH=1` and no key is configured.
 * It is public (it is written here) and that is harmless: `DEV_AUTH=1` already lets anyone mint
 * a token through `/api/chat/dev/token`. It is derived rather than random so that several
 * processes started from one checkout agree on it without being told. Without `DEV_AUTH=1` it
 * is never used.
 */
export const DEV_JWT_SECRET = createHash('sha256').update('chat-platform: local dev tokens (DEV_AUTH=1 only)').digest('base64url');

/**
 * The key rule: exactly one of `JWT_SECRET`, `JWT_PUBLIC_KEY`, `JWT_JWKS_URL` must be set;
 * with `DEV_AUTH=1` none may be set, and then `DEV_JWT_SECRET` verifies (HS256).
 * Runs even when other variables are bad, so one start shows every problem at once.
 */
export function withJwtKeyRule<S extends z.ZodObject>(schema: S): S {
  return schema.superRefine(
    (env, ctx) => {
      const values = env as Record<string, unknown>;
      const given = KEY_VARIABLES.filter((name) => values[name] !== undefined);
      if (given.length > 1) {
        for (const name of given) {
          const others = given.filter((other) => other !== name).join(', ');
          ctx.addIssue({ code: 'custom', path: [name], message: `set exactly one token key source, but ${others} is set too` });
        }
      } else if (given.length === 0 && values.DEV_AUTH !== true) {
        ctx.addIssue({
          code: 'custom',
          path: [KEY_VARIABLES.join(' or ')],
          message: 'missing: set exactly one (or DEV_AUTH=1 for a local run with dev tokens)',
        });
      }
    },
    { when: () => true },
  );
}

/** A verifier's key, shaped like the options of `createVerifier` in `@chat/auth`. */
export type JwtKeySource = { secret: string } | { publicKeyPem: string } | { jwksUrl: string };

export interface JwtSettings {
  /** Pass to `createVerifier`. */
  verifier: JwtKeySource & { issuer?: string | undefined; audience?: string | undefined };
  /** Which variable the key came from (`DEV_JWT_SECRET` when derived), for the start-up log line. */
  keySource: (typeof KEY_VARIABLES)[number] | 'DEV_JWT_SECRET';
  /**
   * With `DEV_AUTH=1` and an HS256 key, what `/api/chat/dev/token` signs with. `null` when dev
   * tokens are off, or cannot be signed because only a public key (PEM or JWKS) is known.
   */
  devTokens: { secret: string; issuer?: string | undefined; audience?: string | undefined } | null;
}

/** Turns validated variables into verifier options and the dev-token signing key. */
export function jwtSettings(env: JwtEnv): JwtSettings {
  const claims = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
  const given = KEY_VARIABLES.filter((name) => env[name] !== undefined);
  if (given.length > 1 || (given.length === 0 && !env.DEV_AUTH)) {
    throw new ConfigError([{ variable: KEY_VARIABLES.join(' or '), problem: 'set exactly one (or DEV_AUTH=1 for a local run with dev tokens)' }]);
  }
  const devTokensWith = (secret: string) => (env.DEV_AUTH ? { secret, ...claims } : null);
  if (env.JWT_SECRET !== undefined) {
    return { verifier: { secret: env.JWT_SECRET, ...claims }, keySource: 'JWT_SECRET', devTokens: devTokensWith(env.JWT_SECRET) };
  }
  if (env.JWT_PUBLIC_KEY !== undefined) {
    return { verifier: { publicKeyPem: env.JWT_PUBLIC_KEY, ...claims }, keySource: 'JWT_PUBLIC_KEY', devTokens: null };
  }
  if (env.JWT_JWKS_URL !== undefined) {
    return { verifier: { jwksUrl: env.JWT_JWKS_URL, ...claims }, keySource: 'JWT_JWKS_URL', devTokens: null };
  }
  return { verifier: { secret: DEV_JWT_SECRET, ...claims }, keySource: 'DEV_JWT_SECRET', devTokens: devTokensWith(DEV_JWT_SECRET) };
}
