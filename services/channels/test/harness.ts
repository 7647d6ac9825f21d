import { createVerifier } from '@chat/auth';
import type { Role } from '@chat/contracts';
import { createInProcessBus, type EventBus } from '@chat/event-bus';
import { startService, type RunningService } from '@chat/service-runtime';
import { silentLogger, Metrics } from '@chat/telemetry';
import { createTestDatabase, mintToken, requestJson, TEST_JWT_SECRET, uniqueTenant, type TestDatabase } from '@chat/test-kit';
import { channelsService } from '../src/service.ts';

/** A caller as the host platform's token would name it. */
export interface TestUser {
  userId: string;
  tenantId: string;
  role: Role;
  name?: string;
}

/** Answers are JSON that the tests read field by field, asserting the shape as they go. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Answer<T = Json> {
  status: number;
  body: T;
}

/** Calls the service as one user (or without a token when `user` is null). */
export interface Client {
  get<T = Json>(path: string): Promise<Answer<T>>;
  post<T = Json>(path: string, body?: unknown): Promise<Answer<T>>;
  put<T = Json>(path: string, body?: unknown): Promise<Answer<T>>;
  delete<T = Json>(path: string): Promise<Answer<T>>;
  /** Sends `raw` as the body, as is, with the given content type. */
  raw<T = Json>(method: string, path: string, raw: string, contentType?: string): Promise<Answer<T>>;
}

export interface ChannelsUnderTest {
  url: string;
  service: RunningService;
  database: TestDatabase;
  bus: EventBus;
  as(user: TestUser | null): Client;
  stop(): Promise<void>;
}

/** Starts the channels service in this process on a fresh database and the given bus (default: in-process). */
export async function startChannels(options: { bus?: EventBus; prefix?: string } = {}): Promise<ChannelsUnderTest> {
  const database = await createTestDatabase(options.prefix ?? 'channels');
  const logger = silentLogger();
  const bus = options.bus ?? createInProcessBus({ logger });
  const service = await startService(channelsService, {
    databaseUrl: database.url,
    bus,
    verifier: createVerifier({ secret: TEST_JWT_SECRET }),
    logger,
    metrics: new Metrics('channels', { processMetrics: false }),
  });
  const tokens = new Map<string, Promise<string>>();
  const tokenOf = (user: TestUser) => {
    const key = JSON.stringify(user);
    let token = tokens.get(key);
    if (!token) tokens.set(key, (token = mintToken(user)));
    return token;
  };
  const call = async (user: TestUser | null, method: string, path: string, raw: string | undefined, contentType?: string): Promise<Answer> =>
    requestJson(`${service.url}${path}`, { method, token: user ? await tokenOf(user) : null, raw, contentType });
  const json = (body: unknown) => (body === undefined ? undefined : JSON.stringify(body));
  return {
    url: service.url,
    service,
    database,
    bus,
    as: (user) => ({
      get: (path) => call(user, 'GET', path, undefined),
      post: (path, body) => call(user, 'POST', path, json(body)),
      put: (path, body) => call(user, 'PUT', path, json(body)),
      delete: (path) => call(user, 'DELETE', path, undefined),
      raw: (method, path, raw, contentType) => call(user, method, path, raw, contentType),
    }),
    async stop() {
      await service.stop();
      if (!options.bus) await bus.close();
      await database.drop();
    },
  };
}

let counter = 0;

/** A new user of `role` in `tenantId`, with a unique id. */
export function userOf(tenantId: string, role: Role, label: string = role.toLowerCase()): TestUser {
  counter += 1;
  return { userId: `${label}-${counter}-${crypto.randomUUID().slice(0, 6)}`, tenantId, role, name: `${label} ${counter}` };
}

/** A tenant's cast: an admin, a manager, two participants. */
export function tenantCast(tenantId = uniqueTenant()) {
  return {
    tenantId,
    admin: userOf(tenantId, 'TENANT_ADMIN', 'admin'),
    manager: userOf(tenantId, 'MANAGEMENT_TEAM', 'manager'),
    customer: userOf(tenantId, 'PARTICIPANT', 'customer'),
    otherCustomer: userOf(tenantId, 'PARTICIPANT', 'other-customer'),
  };
}

export function superAdmin(label = 'platform-admin'): TestUser {
  return userOf('platform', 'SUPER_ADMIN', label);
}

/** A valid create body for each type, with the ticket fields where a ticket opens. */
export function createBody(type: 'SUPPORT' | 'TEAM' | 'TOURNAMENT' | 'PLATFORM_SUPPORT', extra: Record<string, unknown> = {}) {
  const ticket = type === 'SUPPORT' || type === 'PLATFORM_SUPPORT' ? { subject: `About ${type}`, category: 'TECHNICAL' } : {};
  return { type, name: `${type} channel`, ...ticket, ...extra };
}
