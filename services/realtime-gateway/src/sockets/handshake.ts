import type { Verifier } from '@chat/auth';
import type { Logger } from '@chat/telemetry';
import { TypingThrottle } from '../domain/typing.ts';
import type { GatewayInstruments } from '../instruments.ts';
import type { RateLimits } from '../store/rate-limits.ts';
import { socketErrorOf, SocketRefusal } from './refusal.ts';
import type { ChatSocket } from './types.ts';

export interface HandshakeDependencies {
  verifier: Verifier;
  rateLimits: RateLimits;
  instruments: GatewayInstruments;
  logger: Logger;
  typingIntervalMs: number;
  isDraining(): boolean;
}

/**
 * The namespace's gate: a socket without a valid token (`auth.token`) never connects, so it can
 * send no event at all. The client's `connect_error` carries `data: {code, message, details?}`.
 */
export function handshake(deps: HandshakeDependencies) {
  return async (socket: ChatSocket, next: (error?: Error) => void): Promise<void> => {
    try {
      if (deps.isDraining()) throw new SocketRefusal('SERVICE_UNAVAILABLE', 'This server is shutting down; connect again');
      const token: unknown = socket.handshake.auth?.token;
      if (typeof token !== 'string' || token === '') {
        throw new SocketRefusal('UNAUTHENTICATED', 'A bearer token is required in auth.token', { reason: 'TOKEN_MISSING' });
      }
      const principal = await deps.verifier.verify(token);
      const decision = await deps.rateLimits.consume(principal);
      if (!decision.allowed) {
        deps.instruments.rateLimited.inc({ scope: decision.scope, via: 'socket' });
        throw new SocketRefusal('RATE_LIMITED', 'Too many requests; slow down', { retryAfterMs: decision.retryAfterMs });
      }
      socket.data.principal = principal;
      socket.data.token = token;
      socket.data.joined = new Map();
      socket.data.typing = new TypingThrottle(deps.typingIntervalMs);
      deps.instruments.handshakes.inc({ outcome: 'accepted' });
      next();
    } catch (error) {
      const refusal = socketErrorOf(error);
      if (refusal.internal) deps.logger.error({ err: error }, 'socket handshake failed');
      deps.instruments.handshakes.inc({ outcome: refusal.error.code });
      next(Object.assign(new Error(refusal.error.message), { data: refusal.error }));
    }
  };
}
