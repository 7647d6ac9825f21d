import { randomUUID } from 'node:crypto';
import type { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Verifier } from '@chat/auth';
import type { Consumer, EventBus } from '@chat/event-bus';
import { createHttpApp, finishApp, serve } from '@chat/http-kit';
import type { Logger, Metrics } from '@chat/telemetry';
import { gatewayConsumer } from './events/consumer.ts';
import type { DevAuth } from './http/dev-token.ts';
import { mountGatewayRoutes } from './http/routes.ts';
import { gatewayInstruments } from './instruments.ts';
import { PeerClient, type PeerUrls } from './peers/client.ts';
import { ChannelAccess } from './sockets/channel-access.ts';
import { ChannelRooms } from './sockets/channel-rooms.ts';
import { PresenceTracker } from './sockets/presence.ts';
import { createSocketServer, serveChatNamespace } from './sockets/server.ts';
import { MemoryPresenceStore, RedisPresenceStore } from './store/presence.ts';
import { createRateLimits, type RateLimitSettings } from './store/rate-limits.ts';
import { connectRedis, type RedisConnections } from './store/redis.ts';

export type { DevAuth } from './http/dev-token.ts';
export type { PeerUrls } from './peers/client.ts';
export type { RateLimitSettings } from './store/rate-limits.ts';
export { GATEWAY_CONSUMER } from './events/consumer.ts';

export interface GatewayOptions {
  /** 0 (default) lets the kernel pick a free port. */
  port?: number;
  host?: string;
  bus: EventBus;
  /** Redis for the Socket.IO adapter, presence and rate limits; absent, all three stay in this process. */
  redisUrl?: string;
  /** Names every Redis key and channel of this system, so two systems can share one Redis. */
  redisKeyPrefix?: string;
  verifier: Verifier;
  /** Dev mode: `POST /api/chat/dev/token` signs with this. */
  devAuth?: DevAuth | null;
  peers: PeerUrls;
  corsOrigins?: readonly string[];
  rateLimits: RateLimitSettings;
  /** The console's static build, served at `/`. */
  staticDir?: string;
  logger: Logger;
  metrics: Metrics;
  /** Largest socket message accepted; default 64 KB. */
  maxHttpBufferSize?: number;
  /** How long a "may join" answer of the channels service is reused; default 5 s. */
  accessCacheMs?: number;
  /** How long presence survives a replica that stopped renewing it; default 30 s. */
  presenceTtlMs?: number;
  /** A "still typing" indicator goes out at most this often per socket and channel; default 1 s. */
  typingIntervalMs?: number;
  /** How long in-flight REST requests may take to finish on shutdown; default 10 s. */
  drainTimeoutMs?: number;
}

export interface RunningGateway {
  url: string;
  port: number;
  io: Server;
  /** This replica's id, in its Redis connection names. */
  replicaId: string;
  /** Graceful shutdown: stop accepting, hand sockets to other replicas, drain, close. Idempotent. */
  stop(): Promise<void>;
}

const SERVICE = 'realtime-gateway';
const RESYNC_DELAY_MS = 250;

/**
 * Starts one gateway replica: the REST entry, Socket.IO namespace `/chat`, and the consumer that
 * turns domain events into socket events. Any number of replicas sharing a Redis and a broker
 * reach every socket; without Redis it is the single replica of the one-process run.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const logger = options.logger.child({ component: 'gateway' });
  const replicaId = randomUUID();
  const keyPrefix = options.redisKeyPrefix ?? 'chat';
  const instruments = gatewayInstruments(options.metrics);
  const presenceTtlMs = options.presenceTtlMs ?? 30_000;

  const redis: RedisConnections | null = options.redisUrl
    ? await connectRedis({ url: options.redisUrl, name: `${keyPrefix}:gateway:${replicaId}`, logger })
    : null;
  const peers = new PeerClient(options.peers);
  const rateLimits = createRateLimits(options.rateLimits, redis ? { redis: redis.data, keyPrefix } : null);
  const presenceStore = redis
    ? new RedisPresenceStore({ redis: redis.data, keyPrefix, replicaId, ttlMs: presenceTtlMs })
    : new MemoryPresenceStore();

  let draining = false;
  let started = false;
  let resync: NodeJS.Timeout | undefined;
  // Made once the server listens, but already needed by its shutdown hooks.
  const parts: { io?: Server; presence?: PresenceTracker; consumer?: Consumer } = {};
  const app = createHttpApp({
    service: SERVICE,
    logger: options.logger,
    metrics: options.metrics,
    verifier: options.verifier,
    readiness: {
      gateway: () => started,
      broker: () => options.bus.isReady(),
      ...(redis ? { redis: () => redis.answers() } : {}),
    },
  });
  mountGatewayRoutes(app, {
    peers,
    presence: presenceStore,
    rateLimits,
    instruments,
    corsOrigins: options.corsOrigins,
    devAuth: options.devAuth ?? null,
    staticDir: options.staticDir,
  });
  finishApp(app);

  const server = await serve(app, {
    port: options.port ?? 0,
    host: options.host,
    logger: options.logger,
    handleSignals: false,
    drainTimeoutMs: options.drainTimeoutMs,
    onDraining: async () => {
      draining = true;
      // Events still queued go to the other replicas, which reach every socket.
      await parts.consumer?.stop();
      // Closing the connection (rather than a Socket.IO disconnect) is what makes a client
      // reconnect by itself, and the load balancer sends it to another replica.
      parts.io?.engine.close();
    },
    onShutdown: async () => {
      clearTimeout(resync);
      await parts.consumer?.stop();
      await new Promise<void>((resolve) => (parts.io ? parts.io.close(() => resolve()) : resolve()));
      await parts.presence?.stop();
      peers.close();
      await redis?.close();
    },
  }).catch(async (error: unknown) => {
    // Could not listen (the port is taken): nothing else was started but the connections.
    peers.close();
    await redis?.close();
    throw error;
  });

  const sockets = createSocketServer(server.server, {
    corsOrigins: options.corsOrigins,
    maxHttpBufferSize: options.maxHttpBufferSize ?? 64 * 1024,
    adapter: redis ? createAdapter(redis.pub, redis.sub, { key: `${keyPrefix}:socket.io` }) : undefined,
    isDraining: () => draining,
  });
  const { io, nsp } = sockets;
  parts.io = io;
  const access = new ChannelAccess(peers, { ttlMs: options.accessCacheMs });
  const channelRooms = new ChannelRooms(nsp, access, { replicated: redis !== null });
  const presence = new PresenceTracker(nsp, presenceStore, logger, Math.max(100, Math.floor(presenceTtlMs / 3)));
  parts.presence = presence;
  serveChatNamespace(nsp, {
    verifier: options.verifier,
    rateLimits,
    access,
    channelRooms,
    presence,
    peers,
    instruments,
    logger,
    typingIntervalMs: options.typingIntervalMs ?? 1_000,
    isDraining: () => draining,
  });
  // Whatever the adapter published or received while cut off is lost: the clients here catch up.
  // Both adapter connections come back from one outage, and the subscriber re-subscribes as it
  // does: one resync, a moment later.
  redis?.onReconnected((connection) => {
    if (connection === 'data') return;
    clearTimeout(resync);
    resync = setTimeout(() => {
      logger.info('asking local sockets to resync');
      instruments.resyncs.inc();
      nsp.local.emit('resync', {});
    }, RESYNC_DELAY_MS);
  });

  try {
    parts.consumer = await options.bus.consume(gatewayConsumer({ nsp, channelRooms, instruments, logger }));
  } catch (error) {
    await server.close();
    throw error;
  }

  started = true;
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    io,
    replicaId,
    stop: () => server.close(),
  };
}
