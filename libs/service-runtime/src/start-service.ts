import type { AddressInfo } from 'node:net';
import { openDatabase, startOutboxRelay } from '@chat/database';
import type { Consumer, EventBus } from '@chat/event-bus';
import { createHttpApp, finishApp, serve } from '@chat/http-kit';
import type { Verifier } from '@chat/auth';
import { createLogger, Metrics, type Logger } from '@chat/telemetry';
import type { Peers, ServiceContext, ServiceDefinition, Worker } from './types.ts';

export interface ServiceInfrastructure {
  databaseUrl: string;
  bus: EventBus;
  verifier: Verifier;
  logger?: Logger;
  metrics?: Metrics;
  /** 0 (default) lets the kernel pick a free port. */
  port?: number;
  host?: string;
  peers?: Peers;
  /** Run the migrations at start (default true); Kubernetes runs them once per release instead. */
  migrate?: boolean;
  /** Wire SIGTERM/SIGINT to a graceful shutdown; off when several services share a process. */
  handleSignals?: boolean;
  /** Close the bus after everything else on stop: the service's own connection, not a shared one. */
  ownsBus?: boolean;
}

export interface RunningService {
  url: string;
  port: number;
  context: ServiceContext;
  stop(): Promise<void>;
}

/**
 * Starts one service: its database (migrations first), the outbox relay, the consumers of its
 * events, its workers and its HTTP app with health, readiness and metrics. Shutdown runs in the
 * reverse order, so nothing in flight is cut: HTTP stops taking requests, consumers finish what
 * they hold, workers stop, the relay drains, the database closes.
 */
export async function startService(definition: ServiceDefinition, infrastructure: ServiceInfrastructure): Promise<RunningService> {
  const logger = infrastructure.logger ?? createLogger(definition.name);
  const metrics = infrastructure.metrics ?? new Metrics(definition.name);
  const db = await openDatabase({
    url: infrastructure.databaseUrl,
    service: definition.name,
    migrations: definition.migrations,
    entities: definition.entities ?? [],
    migrate: infrastructure.migrate ?? true,
    logger,
    metrics,
  });
  const context: ServiceContext = {
    name: definition.name,
    db,
    bus: infrastructure.bus,
    logger,
    metrics,
    verifier: infrastructure.verifier,
    peers: infrastructure.peers ?? {},
  };

  const relay = startOutboxRelay({ db, bus: infrastructure.bus, logger, metrics });
  const consumers: Consumer[] = [];
  const workers: Worker[] = [];
  const stopBackground = async () => {
    await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    await relay.stop();
    await db.close();
    if (infrastructure.ownsBus) await infrastructure.bus.close();
  };

  // Whatever fails on the way up (a consumer, a route, a port already taken) stops what started.
  let server: Awaited<ReturnType<typeof serve>>;
  try {
    for (const spec of definition.consumers?.(context) ?? []) consumers.push(await infrastructure.bus.consume(spec));
    workers.push(...((await definition.workers?.(context)) ?? []));

    const app = createHttpApp({
      service: definition.name,
      logger,
      metrics,
      verifier: infrastructure.verifier,
      readiness: async () => ({
        database: await db.ping().then(() => true, () => false),
        broker: infrastructure.bus.isReady(),
      }),
    });
    definition.routes(app, context);
    finishApp(app);

    server = await serve(app, {
      port: infrastructure.port ?? 0,
      host: infrastructure.host,
      logger,
      handleSignals: infrastructure.handleSignals ?? false,
      onShutdown: stopBackground,
    });
  } catch (error) {
    await stopBackground();
    throw error;
  }
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    context,
    stop: () => server.close(),
  };
}
