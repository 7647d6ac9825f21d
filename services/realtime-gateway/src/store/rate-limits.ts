import type { Redis } from 'ioredis';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Requests plus socket events per second; `0` turns a limit off. */
export interface RateLimitSettings {
  /** Per user per second (`RATE_LIMIT_USER`). */
  user: number;
  /** Most a user may spend in one go before the steady rate applies again; default twice `user`. */
  userBurst?: number;
  /** Per tenant per second (`RATE_LIMIT_TENANT`). */
  tenant: number;
}

export type RateDecision = { allowed: true } | { allowed: false; scope: 'user' | 'tenant'; retryAfterMs: number };

export interface RateLimits {
  /** Spends one request or event of the caller's budgets. */
  consume(caller: { tenantId: string; userId: string }): Promise<RateDecision>;
}

interface Limiter {
  consume(key: string): Promise<unknown>;
}

/**
 * Per-user and per-tenant budgets shared by every replica through Redis, or held in memory in the
 * one-process run. While Redis is away each replica falls back to its own memory limits, which
 * keeps abuse in check without refusing honest callers.
 */
export function createRateLimits(settings: RateLimitSettings, store: { redis: Redis; keyPrefix: string } | null): RateLimits {
  const limiter = (name: string, points: number, duration: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix: name, points, duration });
    if (!store) return memory;
    return new RateLimiterRedis({
      storeClient: store.redis,
      keyPrefix: `${store.keyPrefix}:rl:${name}`,
      points,
      duration,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  };

  let user: Limiter | null = null;
  if (settings.user > 0) {
    const rate = settings.user;
    const burst = Math.max(rate, settings.userBurst ?? rate * 2);
    // A token bucket in two fixed windows: the steady rate per second, and the burst's extra
    // points, refilled over the time the steady rate takes to earn them.
    user =
      burst > rate
        ? new BurstyRateLimiter(limiter('user', rate, 1), limiter('user-burst', burst - rate, Math.max(1, Math.ceil(burst / rate))))
        : limiter('user', rate, 1);
  }
  const tenant: Limiter | null = settings.tenant > 0 ? limiter('tenant', settings.tenant, 1) : null;

  return {
    async consume(caller) {
      const refusedBy = async (scope: 'user' | 'tenant', chosen: Limiter | null, key: string): Promise<RateDecision | null> => {
        if (!chosen) return null;
        try {
          await chosen.consume(key);
          return null;
        } catch (refusal) {
          // Anything but a refusal is the store failing with no fallback left: let the call through.
          if (!(refusal instanceof RateLimiterRes)) return null;
          return { allowed: false, scope, retryAfterMs: Math.max(1, refusal.msBeforeNext) };
        }
      };
      return (
        (await refusedBy('user', user, JSON.stringify([caller.tenantId, caller.userId]))) ??
        (await refusedBy('tenant', tenant, caller.tenantId)) ?? { allowed: true }
      );
    },
  };
}
