import type { Express, Request, RequestHandler } from 'express';
import { AuthError, type Verifier, type VerifiedPrincipal } from '@chat/auth';
import type { Role } from '@chat/contracts';
import './types.ts';
import { forbidden } from './errors.ts';
import { appState } from './state.ts';

/** RFC 6750 `b64token`; anything else in `Authorization` is not a bearer token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header.trim())?.[1];
}

/**
 * Sets `req.principal` from `Authorization: Bearer <JWT>`, the only thing that identifies a
 * caller; otherwise 401 `UNAUTHENTICATED` (503 when the JWKS endpoint cannot be reached).
 * Without an argument it uses the verifier the app was created with.
 */
export function authenticate(verifier?: Verifier): RequestHandler {
  return async (req, _res, next) => {
    const chosen = verifier ?? appState(req.app as Express).verifier;
    if (!chosen) throw new Error('authenticate() needs a verifier (pass one, or give createHttpApp one)');
    const token = bearerToken(req.get('authorization'));
    if (token === undefined) throw new AuthError('TOKEN_MISSING');
    req.principal = await chosen.verify(token);
    next();
  };
}

/** 403 `FORBIDDEN` unless the caller has one of `roles` (401 if `authenticate` did not run). */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!roles.includes(principalOf(req).role)) throw forbidden();
    next();
  };
}

/** The authenticated caller; 401 if the route forgot `authenticate`, rather than acting for nobody. */
export function principalOf(req: Request): VerifiedPrincipal {
  if (!req.principal) throw new AuthError('TOKEN_MISSING');
  return req.principal;
}
