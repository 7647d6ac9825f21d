import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { mintToken, postgresAdminUrl, requestJson, startCluster, uniqueTenant, type Cluster } from '@chat/test-kit';
import { startFloor } from './floor/floor.ts';
import { scrape, type Scrape } from './prom.ts';
import { pidsMatching, type ProcessGroup } from './usage.ts';

/** A channel and the members whose sockets listen in it (and who take turns sending). */
export interface Room {
  channelId: string;
  memberTokens: string[];
}

/** What a fan-out run is pointed at: the system, or the floor under it. */
export interface Target {
  name: 'system' | 'floor';
  /** Base URLs of the replicas sockets and REST calls are spread over. */
  replicas: string[];
  rooms: Room[];
  /** The processes doing the target's work, measured per step. */
  groups: ProcessGroup[];
  /** The services' own metrics, by process, when the target has any. */
  scrape(): Promise<Record<string, Scrape>>;
  stop(): Promise<void>;
}

export interface Layout {
  channels: number;
  membersPerChannel: number;
  /** Extra environment for the target's own processes (a profiler's options, say). */
  env?: Record<string, string>;
}

const pidOf = (child: { pid?: number | undefined }) => (child.pid === undefined ? [] : [child.pid]);

/** The machine's servers: shared with whatever else runs here, so their share is approximate. */
function serverGroups(names: Array<'rabbitmq' | 'redis'>): ProcessGroup[] {
  const patterns = { rabbitmq: /beam\.smp .*-s rabbit/, redis: /^redis-server / };
  return names.map((name) => ({ name, kind: 'server', pids: () => pidsMatching(patterns[name]) }));
}

/** The floor: two plain Socket.IO replicas on the Redis adapter. Sockets need no real token. */
export async function startFloorTarget(layout: Layout): Promise<Target> {
  const floor = await startFloor(2, layout.env);
  const rooms: Room[] = Array.from({ length: layout.channels }, () => ({
    channelId: randomUUID(),
    memberTokens: Array.from({ length: layout.membersPerChannel }, () => 'floor'),
  }));
  return {
    name: 'floor',
    replicas: floor.replicas.map((replica) => replica.url),
    rooms,
    groups: [
      ...floor.replicas.map((replica, index): ProcessGroup => ({ name: `floor ${index + 1}`, kind: 'floor', pids: () => pidOf(replica.child) })),
      ...serverGroups(['redis']),
    ],
    scrape: async () => ({}),
    stop: () => floor.stop(),
  };
}

/**
 * The system as it runs distributed: channels, messaging and tickets one process each on fresh
 * databases, two gateway replicas, the machine's PostgreSQL, RabbitMQ and Redis; rate limits off.
 * Each room is a tournament channel its members take part in.
 */
export async function startSystemTarget(layout: Layout): Promise<Target & { cluster: Cluster }> {
  const cluster = await startCluster({ gateways: 2, env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', ...layout.env } });
  const admin = new pg.Client({ connectionString: postgresAdminUrl() });
  // Lost with PostgreSQL (an outage): its queries then fail, and sampling keeps the last pids.
  admin.on('error', () => undefined);
  // One query at a time on the one connection (sampling and scrapes ask side by side).
  let adminTurn: Promise<unknown> = Promise.resolve();
  const ask = <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> => {
    const answer = adminTurn.then(() => admin.query<R>(text, values));
    adminTurn = answer.catch(() => undefined);
    return answer;
  };
  try {
    await admin.connect();
    const rooms = await createRooms(cluster, layout);
    const databases = Object.values(cluster.databases).map((database) => database.name);
    const postgresAux = await pidsMatching(/^postgres: .*(checkpointer|background writer|walwriter)/);
    // The sessions of each service's pool (named after the service), and the server's own
    // writers (shared with whatever else uses this server).
    const sessionsOf = (service: string) => async () => {
      const { rows } = await ask<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = ANY($1) AND application_name = $2', [databases, service]);
      return rows.map((row) => row.pid);
    };
    const postgres: ProcessGroup[] = [
      ...['messaging', 'channels', 'tickets'].map((service): ProcessGroup => ({ name: `pg: ${service}`, kind: 'server', memory: false, pids: sessionsOf(service) })),
      { name: 'pg: writers', kind: 'server', memory: false, pids: () => postgresAux },
    ];
    const services = { channels: cluster.channels, messaging: cluster.messaging, tickets: cluster.tickets };
    return {
      name: 'system',
      cluster,
      replicas: cluster.gateways.map((gateway) => gateway.url),
      rooms,
      groups: [
        ...cluster.gateways.map((gateway, index): ProcessGroup => ({ name: `gateway ${index + 1}`, kind: 'system', pids: () => pidOf(gateway.child) })),
        ...Object.entries(services).map(([name, service]): ProcessGroup => ({ name, kind: 'system', pids: () => pidOf(service.child) })),
        ...postgres,
        ...serverGroups(['rabbitmq', 'redis']),
      ],
      async scrape() {
        const urls: Record<string, string> = Object.fromEntries(Object.entries(services).map(([name, service]) => [name, service.url]));
        cluster.gateways.forEach((gateway, index) => (urls[`gateway ${index + 1}`] = gateway.url));
        const entries = await Promise.all(Object.entries(urls).map(async ([name, url]) => [name, await scrape(url)] as const));
        return { ...Object.fromEntries(entries), postgresql: await databaseCounters(ask, cluster) };
      },
      async stop() {
        await admin.end().catch(() => undefined);
        await cluster.stop();
      },
    };
  } catch (error) {
    await admin.end().catch(() => undefined);
    await cluster.stop();
    throw error;
  }
}

/**
 * PostgreSQL's own counters for each service's database, in the shape of a scrape:
 * `pg_transactions_total{database="messaging"}` and the like.
 */
async function databaseCounters(
  ask: <R extends pg.QueryResultRow>(text: string, values: unknown[]) => Promise<pg.QueryResult<R>>,
  cluster: Cluster,
): Promise<Scrape> {
  const names = Object.entries(cluster.databases).map(([service, database]) => [database.name, service] as const);
  const { rows } = await ask<{ datname: string; xact_commit: string; xact_rollback: string; tup_inserted: string; tup_updated: string }>(
    'SELECT datname, xact_commit, xact_rollback, tup_inserted, tup_updated FROM pg_stat_database WHERE datname = ANY($1)',
    [names.map(([name]) => name)],
  );
  const byName = new Map(names);
  const counters: Scrape = new Map();
  for (const row of rows) {
    const database = byName.get(row.datname);
    counters.set(`pg_transactions_total{database=${database}}`, Number(row.xact_commit) + Number(row.xact_rollback));
    counters.set(`pg_rows_written_total{database=${database}}`, Number(row.tup_inserted) + Number(row.tup_updated));
  }
  return counters;
}

/** Tournament channels created by a tenant admin, each with its members as participants. */
async function createRooms(cluster: Cluster, layout: Layout): Promise<Room[]> {
  const tenantId = uniqueTenant('bench');
  const adminToken = await mintToken({ userId: 'bench-admin', tenantId, role: 'TENANT_ADMIN', name: 'Bench admin' });
  const gateway = cluster.gateways[0]!.url;
  const rooms: Room[] = [];
  let next = 0;
  const lane = async () => {
    while (next < layout.channels) {
      const index = next++;
      const members = Array.from({ length: layout.membersPerChannel }, (_, member) => `member-${index}-${member}`);
      const created = await requestJson<{ id: string }>(`${gateway}/api/chat/channels`, {
        method: 'POST',
        token: adminToken,
        body: { type: 'TOURNAMENT', name: `Bench ${index}`, participantIds: members },
      });
      if (created.status !== 201) throw new Error(`creating a channel answered ${created.status}: ${JSON.stringify(created.body)}`);
      const memberTokens = await Promise.all(members.map((userId) => mintToken({ userId, tenantId, role: 'PARTICIPANT', name: userId })));
      rooms[index] = { channelId: created.body.id, memberTokens };
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return rooms;
}
