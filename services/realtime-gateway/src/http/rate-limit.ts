import type { RequestHandler } from 'express';
import { principalOf, tooManyRequests } from '@chat/http-kit';
import type { GatewayInstruments } from '../instruments.ts';
import type { RateLimits } from '../store/rate-limits.ts';

/** 429 once the caller's user or tenant budget is spent (after `authenticate`). */
export function rateLimit(limits: RateLimits, instruments: GatewayInstruments): RequestHandler {
  return async (req, _res, next) => {
    const decision = await limits.consume(principalOf(req));
    if (!decision.allowed) {
      instruments.rateLimited.inc({ scope: decision.scope, via: 'rest' });
      throw tooManyRequests(decision.retryAfterMs / 1000);
    }
    next();
  };
}
