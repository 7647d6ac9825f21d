import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from './postgres.ts';
import { amqpUrl, deleteAmqpTopology, uniqueExchange } from './rabbitmq.ts';
import { redisUrl } from './redis.ts';
import { startServiceProcess, type StartedProcess } from './process.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { TEST_JWT_SECRET } from './tokens.ts';

const ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const SERVICE_ENTRIES = {
  channels: path.join(ROOT, 'services/channels/src/main.ts'),
  messaging: path.join(ROOT, 'services/messaging/src/main.ts'),
  tickets: path.join(ROOT, 'services/tickets/src/main.ts'),
  gateway: path.join(ROOT, 'services/realtime-gateway/src/main.ts'),
} as const;

export type ServiceName = 'channels' | 'messaging' | 'tickets';
/** What a service process talks to besides its peers. */
export type Dependency = 'postgres' | 'rabbitmq' | 'redis';

const DEFAULT_PORTS: Record<Dependency, number> = { postgres: 5432, rabbitmq: 5672, redis: 6379 };

export interface Cluster {
  exchange: string;
  channels: StartedProcess;
  messaging: StartedProcess;
  tickets: StartedProcess;
  gateways: StartedProcess[];
  /** A round-robin TCP balancer in front of the gateways: what clients connect to. */
  balancer: TcpProxy;
  url: string;
  env: Record<string, string>;
  databases: Record<'channels' | 'messaging' | 'tickets', TestDatabase>;
  /** Starts (again) a service process with the cluster's settings. */
  restart(name: ServiceName | number): Promise<StartedProcess>;
  /**
   * The TCP proxy between a service (a gateway replica by its index) and one of its dependencies,
   * as asked for with `links`: cut it, stall it, restore it. Throws for a link that was not asked for.
   */
  link(name: ServiceName | number, dependency: Dependency): TcpProxy;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  gateways?: number;
  /** Extra environment for every process (e.g. a faster SLA tick for tickets). */
  env?: Record<string, string>;
  /** Extra environment per service. */
  serviceEnv?: Partial<Record<ServiceName | 'gateway', Record<string, string>>>;
  /**
   * Dependencies to reach through a TCP proxy of their own, per service (`gateway`: each replica
   * gets its own proxies), for fault tests that cut or stall one link (`cluster.link`). Links not
   * named are direct, as without this option.
   */
  links?: Partial<Record<ServiceName, readonly ('postgres' | 'rabbitmq')[]>> & { gateway?: readonly ('rabbitmq' | 'redis')[] };
}

/**
 * The distributed system as it runs in production, on this machine: each service its own process
 * on its own fresh database, N gateway replicas sharing Redis and one RabbitMQ queue, all on an
 * exchange of their own so that runs never see each other's events.
 */
export async function startCluster({ gateways = 2, env = {}, serviceEnv = {}, links = {} }: ClusterOptions = {}): Promise<Cluster> {
  const exchange = uniqueExchange('sys');
  const databases = {
    channels: await createTestDatabase('sys_channels'),
    messaging: await createTestDatabase('sys_messaging'),
    tickets: await createTestDatabase('sys_tickets'),
  };
  const common = {
    AMQP_URL: amqpUrl(),
    EVENTS_EXCHANGE: exchange,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.SYSTEM_LOG_LEVEL ?? 'warn',
    ...env,
  };

  const proxies = new Map<string, TcpProxy>();
  const linkKey = (name: ServiceName | number, dependency: Dependency) => `${typeof name === 'number' ? `gateway ${name}` : name} → ${dependency}`;
  /** The URL a process is given for a dependency: through its own proxy when its link was asked for. */
  const linked = async (name: ServiceName | number, dependency: Dependency, url: string): Promise<string> => {
    const wanted: readonly Dependency[] = (typeof name === 'number' ? links.gateway : links[name]) ?? [];
    if (!wanted.includes(dependency)) return url;
    const key = linkKey(name, dependency);
    let proxy = proxies.get(key);
    if (!proxy) {
      const target = new URL(url);
      proxy = await startTcpProxy([{ host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port || DEFAULT_PORTS[dependency]) }]);
      proxies.set(key, proxy);
    }
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port);
    return through.toString();
  };
  const envOf = async (name: ServiceName, channelsUrl?: string) => ({
    ...common,
    AMQP_URL: await linked(name, 'rabbitmq', common.AMQP_URL),
    DATABASE_URL: await linked(name, 'postgres', databases[name].url),
    ...(channelsUrl ? { CHANNELS_URL: channelsUrl } : {}),
    ...serviceEnv[name],
  });

  const started: StartedProcess[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.map((process) => process.kill('SIGTERM')));
  };
  const closeLinks = async () => {
    await Promise.allSettled([...proxies.values()].map((proxy) => proxy.close()));
  };
  try {
    const channels = await startServiceProcess(SERVICE_ENTRIES.channels, await envOf('channels'));
    started.push(channels);
    const [messaging, tickets] = await Promise.all([
      envOf('messaging', channels.url).then((processEnv) => startServiceProcess(SERVICE_ENTRIES.messaging, processEnv)),
      envOf('tickets', channels.url).then((processEnv) => startServiceProcess(SERVICE_ENTRIES.tickets, processEnv)),
    ]);
    started.push(messaging, tickets);
    const gatewayEnvOf = async (index: number) => ({
      ...common,
      AMQP_URL: await linked(index, 'rabbitmq', common.AMQP_URL),
      REDIS_URL: await linked(index, 'redis', redisUrl()),
      CHANNELS_URL: channels.url,
      MESSAGING_URL: messaging.url,
      TICKETS_URL: tickets.url,
      RATE_LIMIT_USER: '0',
      RATE_LIMIT_TENANT: '0',
      ...serviceEnv.gateway,
    });
    const gatewayProcesses = await Promise.all(
      Array.from({ length: gateways }, async (_, index) => startServiceProcess(SERVICE_ENTRIES.gateway, await gatewayEnvOf(index))),
    );
    started.push(...gatewayProcesses);
    const balancer = await startTcpProxy(gatewayProcesses.map((gateway) => ({ port: gateway.port })));

    const cluster: Cluster = {
      exchange,
      channels,
      messaging,
      tickets,
      gateways: gatewayProcesses,
      balancer,
      url: `http://127.0.0.1:${balancer.port}`,
      env: common,
      databases,
      async restart(name) {
        if (typeof name === 'number') {
          const replacement = await startServiceProcess(SERVICE_ENTRIES.gateway, await gatewayEnvOf(name), { port: cluster.gateways[name]!.port });
          cluster.gateways[name] = replacement;
          started.push(replacement);
          return replacement;
        }
        const previous = cluster[name];
        const replacement = await startServiceProcess(SERVICE_ENTRIES[name], await envOf(name, name === 'channels' ? undefined : cluster.channels.url), { port: previous.port });
        cluster[name] = replacement;
        started.push(replacement);
        return replacement;
      },
      link(name, dependency) {
        const proxy = proxies.get(linkKey(name, dependency));
        if (!proxy) throw new Error(`no proxied link ${linkKey(name, dependency)}: ask for it with startCluster({ links })`);
        return proxy;
      },
      async stop() {
        await balancer.close();
        await stopAll();
        await closeLinks();
        await Promise.allSettled(Object.values(databases).map((database) => database.drop()));
        await deleteAmqpTopology({ exchange, consumers: ['channels', 'messaging', 'tickets', 'realtime-gateway'] }).catch(() => {});
      },
    };
    return cluster;
  } catch (error) {
    await stopAll();
    await closeLinks();
    await Promise.allSettled(Object.values(databases).map((database) => database.drop()));
    throw error;
  }
}
