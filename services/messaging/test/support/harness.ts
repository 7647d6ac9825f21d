import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createVerifier, type Verifier } from '@chat/auth';
import {
  canSeeChannel,
  makeEnvelope,
  type Actor,
  type ChannelSnapshot,
  type ChannelStatus,
  type ChannelType,
  type EventDataOf,
  type EventEnvelope,
  type EventType,
  type Role,
} from '@chat/contracts';
import { createInProcessBus, createRabbitBus, type EventBus } from '@chat/event-bus';
import { startService, type RunningService } from '@chat/service-runtime';
import { silentLogger } from '@chat/telemetry';
import { amqpUrl, createTestDatabase, deleteAmqpTopology, mintToken, requestJson, TEST_JWT_SECRET, uniqueExchange, uniqueTenant, waitFor, type TestDatabase } from '@chat/test-kit';
import { messagingService } from '../../src/service.ts';

export interface TestUser {
  userId: string;
  tenantId: string;
  role: Role;
  token: string;
}

export async function makeUser(tenantId: string, role: Role, userId = `${role.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}`): Promise<TestUser> {
  return { userId, tenantId, role, token: await mintToken({ userId, tenantId, role }) };
}

export interface SnapshotSpec {
  id?: string;
  tenantId: string;
  type?: ChannelType;
  status?: ChannelStatus;
  participants?: string[];
  revision?: number;
  createdBy?: string;
}

export function snapshotOf(spec: SnapshotSpec): ChannelSnapshot {
  const participants = spec.participants ?? [];
  return {
    id: spec.id ?? crypto.randomUUID(),
    tenantId: spec.tenantId,
    type: spec.type ?? 'SUPPORT',
    status: spec.status ?? 'ACTIVE',
    name: null,
    createdBy: spec.createdBy ?? participants[0] ?? 'someone',
    assignedTo: null,
    escalatedTo: null,
    participants: participants.map((userId) => ({ userId, role: null })),
    revision: spec.revision ?? 1,
    updatedAt: new Date().toISOString(),
  };
}

/** A JSON answer. Tests check it with assertions (and contract schemas), not with the compiler. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ApiAnswer<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A stand-in for the channels service's `GET /internal/channels/:id`: it verifies the forwarded
 * token and answers the snapshot it holds when `canSeeChannel` allows, like the real one.
 */
export class FakeChannels {
  readonly snapshots = new Map<string, ChannelSnapshot>();
  readonly asked: string[] = [];
  #server: Server | undefined;
  url = '';

  async start(verifier: Verifier): Promise<this> {
    this.#server = createServer(async (req, res) => {
      const match = /^\/internal\/channels\/([^/?]+)$/.exec(req.url ?? '');
      const channelId = match?.[1] ? decodeURIComponent(match[1]) : '';
      this.asked.push(channelId);
      try {
        const principal = await verifier.verify((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        const snapshot = this.snapshots.get(channelId);
        if (!snapshot || !canSeeChannel(principal, snapshot)) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"Not found"}}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(snapshot));
      } catch {
        res.writeHead(401).end();
      }
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  set(snapshot: ChannelSnapshot): ChannelSnapshot {
    this.snapshots.set(snapshot.id, snapshot);
    return snapshot;
  }

  async stop(): Promise<void> {
    if (!this.#server) return;
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

export interface HarnessOptions {
  /** Real RabbitMQ on a unique exchange (default: the in-process bus). */
  rabbit?: boolean;
  /** Service instances on the one database (default 1). */
  instances?: number;
  /** Start a fake channels service and point `CHANNELS_URL` at it (default true). */
  owner?: boolean;
}

/**
 * One messaging service (or several on one database) on a fresh database, a bus, a fake channels
 * owner, and an observer that records every event the service publishes.
 */
export class Harness {
  readonly verifier = createVerifier({ secret: TEST_JWT_SECRET });
  readonly tenant = uniqueTenant('msg');
  readonly otherTenant = uniqueTenant('other');
  readonly published: EventEnvelope[] = [];
  readonly owner = new FakeChannels();
  services: RunningService[] = [];
  bus!: EventBus;
  database!: TestDatabase;
  sql!: pg.Pool;
  #exchange: string | undefined;
  #observer: { stop(): Promise<void> } | undefined;
  #observerName = `observer-${crypto.randomUUID().slice(0, 8)}`;

  static async start(prefix: string, options: HarnessOptions = {}): Promise<Harness> {
    const harness = new Harness();
    await harness.#start(prefix, options);
    return harness;
  }

  get url(): string {
    const [first] = this.services;
    if (!first) throw new Error('no service running');
    return first.url;
  }

  async #start(prefix: string, options: HarnessOptions): Promise<void> {
    this.database = await createTestDatabase(prefix);
    this.sql = new pg.Pool({ connectionString: this.database.url, max: 4 });
    if (options.rabbit) {
      this.#exchange = uniqueExchange('messaging-test');
      this.bus = await createRabbitBus({ url: amqpUrl(), exchange: this.#exchange, logger: silentLogger() });
    } else {
      this.bus = createInProcessBus({ logger: silentLogger() });
    }
    if (options.owner !== false) await this.owner.start(this.verifier);
    for (let index = 0; index < (options.instances ?? 1); index++) {
      this.services.push(
        await startService(messagingService, {
          databaseUrl: this.database.url,
          bus: this.bus,
          verifier: this.verifier,
          logger: silentLogger(),
          peers: options.owner === false ? {} : { channelsUrl: this.owner.url },
        }),
      );
    }
    this.#observer = await this.bus.consume({
      name: this.#observerName,
      patterns: ['message.*', 'note.*'],
      handle: async (event) => {
        this.published.push(event);
      },
    });
  }

  async stop(): Promise<void> {
    await this.#observer?.stop();
    for (const service of this.services) await service.stop();
    await this.owner.stop();
    await this.bus?.close();
    if (this.#exchange) await deleteAmqpTopology({ exchange: this.#exchange, consumers: ['messaging', this.#observerName] });
    await this.sql?.end();
    if (this.database) {
      await this.database.drop();
    }
  }

  user(role: Role, tenantId = this.tenant, userId?: string): Promise<TestUser> {
    return makeUser(tenantId, role, userId);
  }

  /** A REST call to the (first, or given) service instance. */
  async call<T = Json>(
    method: string,
    path: string,
    { token, body, rawBody, instance = 0 }: { token?: string; body?: unknown; rawBody?: string; instance?: number } = {},
  ): Promise<ApiAnswer<T>> {
    const service = this.services[instance];
    if (!service) throw new Error(`no instance ${instance}`);
    return requestJson<T>(`${service.url}${path}`, { method, token, body, raw: rawBody });
  }

  /** Publishes a `channel.*` event on the bus and waits until messaging has applied it. */
  async publishChannelEvent<T extends EventType>(type: T, data: EventDataOf<T>, actor: Actor = { userId: 'staff', role: 'TENANT_ADMIN' }): Promise<EventEnvelope<T>> {
    const channel = (data as { channel: ChannelSnapshot }).channel;
    const event = makeEnvelope(type, channel.tenantId, actor, data);
    await this.publishRaw(event as EventEnvelope);
    return event;
  }

  /** Publishes the event as it is (for repeats) and waits until the inbox has it. */
  async publishRaw(event: EventEnvelope): Promise<void> {
    await this.bus.publish([event]);
    await waitFor(
      async () => (await this.sql.query('SELECT 1 FROM processed_events WHERE event_id = $1', [event.id])).rowCount === 1,
      { timeoutMs: 10_000, what: `event ${event.type} to be applied` },
    );
  }

  /** A channel known to messaging through a `channel.created` event. */
  async channel(spec: Omit<SnapshotSpec, 'tenantId'> & { tenantId?: string }): Promise<ChannelSnapshot> {
    const snapshot = snapshotOf({ tenantId: this.tenant, ...spec });
    await this.publishChannelEvent('channel.created', { channel: snapshot, ticket: null, metadata: null });
    return snapshot;
  }

  async send(user: TestUser, channelId: string, content: string, extra: Record<string, unknown> = {}): Promise<ApiAnswer> {
    return this.call('POST', `/api/chat/channels/${channelId}/messages`, { token: user.token, body: { content, ...extra } });
  }

  /** Events the service published, of a type, once `count` of them have arrived. */
  async eventsOf(type: EventType, count = 1, where: (event: EventEnvelope) => boolean = () => true): Promise<EventEnvelope[]> {
    return waitFor(
      async () => {
        const found = this.published.filter((event) => event.type === type && where(event));
        return found.length >= count ? found : undefined;
      },
      { timeoutMs: 10_000, what: `${count} ${type} event(s)` },
    );
  }

  /** Rows counted as the database owner (outside row-level security). */
  async count(table: string, where = 'true', params: unknown[] = []): Promise<number> {
    const result = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
    return result.rows[0]?.n ?? 0;
  }
}
