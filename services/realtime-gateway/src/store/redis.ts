import { Redis } from 'ioredis';
import type { Logger } from '@chat/telemetry';

/**
 * The gateway's Redis connections: two for the Socket.IO adapter (a subscriber connection can do
 * nothing else) and one for presence and rate limits. The last one queues nothing while Redis is
 * away, so a rate-limit check falls back at once instead of waiting for a reconnect.
 */
export interface RedisConnections {
  pub: Redis;
  sub: Redis;
  data: Redis;
  /** All three connected and Redis answering (a silent link is not ready): `/readyz`. */
  answers(): Promise<boolean>;
  /**
   * Calls `listener` whenever a connection that had been lost is back. Pub/sub drops whatever was
   * published meanwhile, and nothing else says so.
   */
  onReconnected(listener: (connection: 'pub' | 'sub' | 'data') => void): void;
  close(): Promise<void>;
}

export interface RedisOptions {
  url: string;
  /** Names the connections in `CLIENT LIST`, so an operator (or a test) can tell whose they are. */
  name: string;
  logger: Logger;
  /** How long the start waits for Redis before going on without it (readiness then says so). */
  connectTimeoutMs?: number;
}

/** Far above any answer of a healthy Redis, well below what a caller of the gateway waits. */
const DATA_COMMAND_TIMEOUT_MS = 500;

export async function connectRedis(options: RedisOptions): Promise<RedisConnections> {
  const logger = options.logger.child({ component: 'redis' });
  const listeners: ((connection: 'pub' | 'sub' | 'data') => void)[] = [];
  const connect = (role: 'pub' | 'sub' | 'data', extra: { enableOfflineQueue?: boolean; enableAutoPipelining?: boolean; commandTimeout?: number } = {}) => {
    const client = new Redis(options.url, {
      connectionName: `${options.name}:${role}`,
      retryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
      ...extra,
    });
    let wasReady = false;
    let lost = false;
    client.on('error', (error: Error) => logger.debug({ err: error, connection: role }, 'redis connection error'));
    client.on('close', () => {
      if (!wasReady || lost || client.status === 'end') return;
      logger.warn({ connection: role }, 'redis connection lost: reconnecting');
      lost = true;
    });
    client.on('ready', () => {
      wasReady = true;
      if (!lost) return;
      lost = false;
      logger.info({ connection: role }, 'redis connection back');
      for (const listener of listeners) listener(role);
    });
    return client;
  };
  // The adapter's publishes of one turn of the event loop (a batch of events) leave in one write.
  const pub = handlingEveryFailure(connect('pub', { enableAutoPipelining: true }), logger);
  const sub = handlingEveryFailure(connect('sub'), logger);
  // A link that stays open but goes silent leaves the connection "ready": without a time limit a
  // rate-limit check (every request and socket event), a presence call or the consumer's lookup
  // would wait for as long as the silence lasts. Timed out, each falls back as for a lost Redis.
  const data = connect('data', { enableOfflineQueue: false, commandTimeout: DATA_COMMAND_TIMEOUT_MS });
  const clients = [pub, sub, data];

  // Not `events.once`: it would reject on the first connection error, and those are retried.
  const ready = Promise.all(clients.map((client) => new Promise((resolve) => (client.status === 'ready' ? resolve(undefined) : client.once('ready', resolve)))));
  const timeout = new Promise<'late'>((resolve) => setTimeout(resolve, options.connectTimeoutMs ?? 5_000, 'late').unref());
  if ((await Promise.race([ready.then(() => 'ready' as const), timeout])) === 'late') {
    logger.warn('redis is not reachable yet: starting anyway, not ready until it is');
  }

  return {
    pub,
    sub,
    data,
    answers: async () => clients.every((client) => client.status === 'ready') && (await data.ping().then((reply) => reply === 'PONG', () => false)),
    onReconnected: (listener) => listeners.push(listener),
    async close() {
      await Promise.allSettled(clients.map((client) => (client.status === 'ready' ? client.quit() : Promise.resolve(client.disconnect()))));
    },
  };
}

/**
 * The Socket.IO adapter sends most of its commands without awaiting them (a publish, a
 * subscribe). While Redis is away those fail, and an unhandled rejection would end the process:
 * this view of the client attaches a handler to every command it sends. Callers that await a
 * command still see its failure.
 */
function handlingEveryFailure(client: Redis, logger: Logger): Redis {
  const logFailure = (error: unknown) => logger.debug({ err: error }, 'redis command failed');
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (result instanceof Promise) result.catch(logFailure);
        return result;
      };
    },
  });
}
