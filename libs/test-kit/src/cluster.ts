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
  restart(name: 'channels' | 'messaging' | 'tickets' | number): Promise<StartedProcess>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  gateways?: number;
  /** Extra environment for every process (e.g. a faster SLA tick for tickets). */
  env?: Record<string, string>;
  /** Extra environment per service. */
  serviceEnv?: Partial<Record<'channels' | 'messaging' | 'tickets' | 'gateway', Record<string, string>>>;
}

/**
 * The distributed system as it runs in production, on this machine: each service its own process
 * on its own fresh database, N gateway replicas sharing Redis and one RabbitMQ queue, all on an
 * exchange of their own so that runs never see each other's events.
 */
export async function startCluster({ gateways = 2, env = {}, serviceEnv = {} }: ClusterOptions = {}): Promise<Cluster> {
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
  const envOf = (name: 'channels' | 'messaging' | 'tickets', channelsUrl?: string) => ({
    ...common,
    DATABASE_URL: databases[name].url,
    ...(channelsUrl ? { CHANNELS_URL: channelsUrl } : {}),
    ...serviceEnv[name],
  });

  const started: StartedProcess[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.map((process) => process.kill('SIGTERM')));
  };
  try {
    const channels = await startServiceProcess(SERVICE_ENTRIES.channels, envOf('channels'));
    started.push(channels);
    const [messaging, tickets] = await Promise.all([
      startServiceProcess(SERVICE_ENTRIES.messaging, envOf('messaging', channels.url)),
      startServiceProcess(SERVICE_ENTRIES.tickets, envOf('tickets', channels.url)),
    ]);
    started.push(messaging, tickets);
    const gatewayEnv = {
      ...common,
      REDIS_URL: redisUrl(),
      CHANNELS_URL: channels.url,
      MESSAGING_URL: messaging.url,
      TICKETS_URL: tickets.url,
      RATE_LIMIT_USER: '0',
      RATE_LIMIT_TENANT: '0',
      ...serviceEnv.gateway,
    };
    const gatewayProcesses = await Promise.all(Array.from({ length: gateways }, () => startServiceProcess(SERVICE_ENTRIES.gateway, gatewayEnv)));
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
          const replacement = await startServiceProcess(SERVICE_ENTRIES.gateway, gatewayEnv, { port: cluster.gateways[name]!.port });
          cluster.gateways[name] = replacement;
          started.push(replacement);
          return replacement;
        }
        const previous = cluster[name];
        const replacement = await startServiceProcess(SERVICE_ENTRIES[name], envOf(name, name === 'channels' ? undefined : cluster.channels.url), { port: previous.port });
        cluster[name] = replacement;
        started.push(replacement);
        return replacement;
      },
      async stop() {
        await balancer.close();
        await stopAll();
        await Promise.allSettled(Object.values(databases).map((database) => database.drop()));
        await deleteAmqpTopology({ exchange, consumers: ['channels', 'messaging', 'tickets', 'realtime-gateway'] }).catch(() => {});
      },
    };
    return cluster;
  } catch (error) {
    await stopAll();
    await Promise.allSettled(Object.values(databases).map((database) => database.drop()));
    throw error;
  }
}
