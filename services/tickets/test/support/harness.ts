import { createVerifier } from '@chat/auth';
import type { EventEnvelope, EventType, Role } from '@chat/contracts';
import { createInProcessBus, type Consumer, type EventBus } from '@chat/event-bus';
import { startService, type RunningService } from '@chat/service-runtime';
import { createLogger, Metrics, silentLogger } from '@chat/telemetry';
import { createTestDatabase, mintToken, requestJson, TEST_JWT_SECRET, uniqueTenant, waitFor, type TestDatabase } from '@chat/test-kit';
import { createTicketsService } from '../../src/service.ts';

export interface TestUser {
  userId: string;
  tenantId: string;
  role: Role;
}

/** A JSON answer the test did not type: it reads it loosely and asserts on what it finds. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

export interface Answer<T = Loose> {
  status: number;
  body: T;
}

/** One running tickets service on a database and a bus the test owns. */
export async function startTickets(options: { databaseUrl: string; bus: EventBus; slaScanIntervalMs?: number }): Promise<RunningService> {
  const logger = testLogger('tickets');
  return startService(createTicketsService({ slaScanIntervalMs: options.slaScanIntervalMs ?? 100 }), {
    databaseUrl: options.databaseUrl,
    bus: options.bus,
    verifier: createVerifier({ secret: TEST_JWT_SECRET }),
    logger,
    metrics: new Metrics('tickets', { processMetrics: false }),
  });
}

export interface TicketsAlone {
  database: TestDatabase;
  bus: EventBus;
  service: RunningService;
  stop(): Promise<void>;
}

/** One tickets service on a database of its own and an in-process bus: for its routes and its store. */
export async function startTicketsAlone(databasePrefix: string, options: { slaScanIntervalMs?: number } = {}): Promise<TicketsAlone> {
  const database = await createTestDatabase(databasePrefix);
  const bus = createInProcessBus({ logger: testLogger('bus') });
  const service = await startTickets({ databaseUrl: database.url, bus, ...options });
  return {
    database,
    bus,
    service,
    async stop() {
      await service.stop();
      await bus.close();
      await database.drop();
    },
  };
}

/** Silent unless `TEST_LOG` names a level (e.g. `TEST_LOG=debug`) to see what a failing test did. */
export function testLogger(name: string) {
  return process.env.TEST_LOG ? createLogger(name, process.env.TEST_LOG) : silentLogger();
}

const tokens = new Map<string, Promise<string>>();

/** Calls `baseUrl` as `user` (no token when null); the body is sent as JSON, or as is when a string. */
export async function call<T = Loose>(baseUrl: string, user: TestUser | null, method: string, path: string, body?: unknown): Promise<Answer<T>> {
  let token: Promise<string> | undefined;
  if (user) {
    const key = JSON.stringify(user);
    token = tokens.get(key);
    if (!token) tokens.set(key, (token = mintToken(user)));
  }
  return requestJson<T>(`${baseUrl}${path}`, { method, token: await token, ...(typeof body === 'string' ? { raw: body } : { body }) });
}

/** A client bound to one service and one user. */
export function clientOf(baseUrl: string, user: TestUser | null) {
  return {
    get: <T = Loose>(path: string) => call<T>(baseUrl, user, 'GET', path),
    post: <T = Loose>(path: string, body?: unknown) => call<T>(baseUrl, user, 'POST', path, body),
    put: <T = Loose>(path: string, body?: unknown) => call<T>(baseUrl, user, 'PUT', path, body),
    patch: <T = Loose>(path: string, body?: unknown) => call<T>(baseUrl, user, 'PATCH', path, body),
    delete: <T = Loose>(path: string) => call<T>(baseUrl, user, 'DELETE', path),
  };
}

let counter = 0;

export function userOf(tenantId: string, role: Role, label = role.toLowerCase()): TestUser {
  counter += 1;
  return { userId: `${label}-${counter}-${crypto.randomUUID().slice(0, 6)}`, tenantId, role };
}

/** A tenant's people: an admin, a manager, two customers. */
export function tenantCast(tenantId = uniqueTenant()) {
  return {
    tenantId,
    admin: userOf(tenantId, 'TENANT_ADMIN', 'admin'),
    manager: userOf(tenantId, 'MANAGEMENT_TEAM', 'manager'),
    customer: userOf(tenantId, 'PARTICIPANT', 'customer'),
    otherCustomer: userOf(tenantId, 'PARTICIPANT', 'other-customer'),
  };
}

export function superAdmin(): TestUser {
  return userOf('platform', 'SUPER_ADMIN', 'platform-admin');
}

/** Collects the events of some types that the service publishes, through a queue of its own. */
export class EventRecorder {
  readonly events: EventEnvelope[] = [];
  #consumer: Consumer | undefined;

  static async start(bus: EventBus, name: string, patterns: string[]): Promise<EventRecorder> {
    const recorder = new EventRecorder();
    recorder.#consumer = await bus.consume({
      name,
      patterns,
      handle: async (event) => {
        recorder.events.push(event);
      },
    });
    return recorder;
  }

  of<T extends EventType>(type: T, where: (event: EventEnvelope<T>) => boolean = () => true): EventEnvelope<T>[] {
    return this.events.filter((event) => event.type === type && where(event as EventEnvelope<T>)) as EventEnvelope<T>[];
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
  }
}

/** Polls until `probe` answers something other than undefined/false. */
export function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  return waitFor(probe, { timeoutMs, intervalMs: 25, what });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
