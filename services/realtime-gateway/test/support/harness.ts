import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { createVerifier, type Verifier } from '@chat/auth';
import type { EventEnvelope, Role, SocketError } from '@chat/contracts';
import { createInProcessBus, createRabbitBus, type EventBus } from '@chat/event-bus';
import { silentLogger, Metrics } from '@chat/telemetry';
import { amqpUrl, deleteAmqpTopology, mintToken, redisUrl, TEST_JWT_SECRET, uniqueExchange, uniqueTenant } from '@chat/test-kit';
import { startGateway, GATEWAY_CONSUMER, type GatewayOptions, type RunningGateway } from '../../src/gateway.ts';
import { startFakeServices, type FakeServices } from './fake-services.ts';

export interface HarnessOptions {
  replicas?: number;
  /** Real Redis and RabbitMQ (default), or the one-process wiring: in-memory adapter and bus. */
  distributed?: boolean;
  gateway?: Partial<GatewayOptions>;
}

/**
 * Gateway replicas on the machine's Redis and RabbitMQ (a unique exchange and key prefix per
 * harness), in front of fake services, plus what tests need to drive them.
 */
export interface Harness {
  fakes: FakeServices;
  gateways: RunningGateway[];
  verifier: Verifier;
  exchange: string;
  keyPrefix: string;
  /** Publishes domain events as the services would. */
  publish(...events: EventEnvelope[]): Promise<void>;
  startReplica(overrides?: Partial<GatewayOptions>): Promise<RunningGateway>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const distributed = options.distributed ?? true;
  const exchange = uniqueExchange('gateway-test');
  // As main.ts does: the exchange names this system's Redis keys too.
  const keyPrefix = exchange;
  const verifier = createVerifier({ secret: TEST_JWT_SECRET });
  const buses: EventBus[] = [];
  const newBus = async () => {
    const bus = distributed ? await createRabbitBus({ url: amqpUrl(), exchange, logger: silentLogger() }) : shared!;
    if (distributed) buses.push(bus);
    return bus;
  };
  const shared = distributed ? undefined : createInProcessBus({ logger: silentLogger() });
  if (shared) buses.push(shared);
  const publisher = await newBus();
  const fakes = await startFakeServices({ verifier, bus: publisher });
  const gateways: RunningGateway[] = [];

  const startReplica = async (overrides: Partial<GatewayOptions> = {}) => {
    const gateway = await startGateway({
      bus: await newBus(),
      ...(distributed ? { redisUrl: redisUrl() } : {}),
      redisKeyPrefix: keyPrefix,
      verifier,
      peers: { channelsUrl: fakes.channelsUrl, messagingUrl: fakes.messagingUrl, ticketsUrl: fakes.ticketsUrl },
      rateLimits: { user: 0, tenant: 0 },
      logger: silentLogger(),
      metrics: new Metrics('realtime-gateway', { processMetrics: false }),
      ...options.gateway,
      ...overrides,
    });
    gateways.push(gateway);
    return gateway;
  };
  for (let index = 0; index < (options.replicas ?? 2); index++) await startReplica();

  return {
    fakes,
    gateways,
    verifier,
    exchange,
    keyPrefix,
    publish: (...events) => publisher.publish(events),
    startReplica,
    async close() {
      await Promise.allSettled(gateways.map((gateway) => gateway.stop()));
      await fakes.stop();
      await Promise.allSettled(buses.map((bus) => bus.close()));
      if (distributed) {
        await deleteAmqpTopology({ exchange, consumers: [GATEWAY_CONSUMER] });
        await deleteRedisKeys(keyPrefix);
      }
    },
  };
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl());
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface TestUser {
  userId: string;
  tenantId: string;
  role: Role;
  name?: string;
  token: string;
}

export async function user(tenantId: string, role: Role, name?: string, ttlSec?: number): Promise<TestUser> {
  const userId = `${role.toLowerCase()}-${crypto.randomUUID().slice(0, 6)}`;
  return { userId, tenantId, role, ...(name ? { name } : {}), token: await mintToken({ userId, tenantId, role, ...(name ? { name } : {}), ...(ttlSec ? { ttlSec } : {}) }) };
}

export { uniqueTenant };

/** A test socket that records every event it receives. */
export interface TestSocket {
  socket: Socket;
  received: { event: string; payload: unknown }[];
  of<T = unknown>(event: string): T[];
  /** The next (or an already received) event matching, within the time limit. */
  waitFor<T = unknown>(event: string, match?: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
  request<T = unknown>(event: string, payload: unknown): Promise<T>;
  close(): void;
}

export function recording(socket: Socket): TestSocket {
  const received: { event: string; payload: unknown }[] = [];
  const listeners = new Set<() => void>();
  socket.onAny((event: string, payload: unknown) => {
    received.push({ event, payload });
    for (const listener of listeners) listener();
  });
  const of = <T>(event: string) => received.filter((entry) => entry.event === event).map((entry) => entry.payload as T);
  return {
    socket,
    received,
    of,
    waitFor<T>(event: string, match: (payload: T) => boolean = () => true, timeoutMs = 5_000) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = of<T>(event).find(match);
          if (found === undefined) return false;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${event} within ${timeoutMs} ms; got ${JSON.stringify(received.map((entry) => entry.event))}`));
        }, timeoutMs);
        if (!check()) listeners.add(check);
      });
    },
    request<T>(event: string, payload: unknown) {
      return socket.timeout(5_000).emitWithAck(event, payload) as Promise<T>;
    },
    close: () => socket.disconnect(),
  };
}

export type ConnectRefusal = Error & { data?: SocketError };

/** Connects to `/chat` (websocket only, no reconnection) and resolves once connected. */
export function connect(url: string, auth: Record<string, unknown> | TestUser | undefined, options: Parameters<typeof io>[1] = {}): Promise<TestSocket> {
  const token = auth && 'token' in auth ? { token: auth.token } : auth;
  const socket = io(`${url}/chat`, { auth: token ?? {}, transports: ['websocket'], reconnection: false, forceNew: true, ...options });
  const recorded = recording(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(recorded));
    socket.once('connect_error', (error: ConnectRefusal) => {
      socket.disconnect();
      reject(error);
    });
  });
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
