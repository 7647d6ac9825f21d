/**
 * `npm start`: the whole system in one process on embedded defaults. The three services run
 * exactly as they do alone (each its own database, HTTP app and consumers), on loopback ports of
 * their own, behind the gateway on `PORT`; only the wiring differs: an embedded PostgreSQL, an
 * in-process event bus and Socket.IO's in-memory adapter, unless URLs say otherwise.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVerifier } from '@chat/auth';
import { exitOnConfigError, jwtSettings, loadConfig } from '@chat/config';
import { ensureDatabase } from '@chat/database';
import { createInProcessBus, createRabbitBus, type EventBus } from '@chat/event-bus';
import { onShutdownSignal } from '@chat/http-kit';
import { channelsService } from '@chat/channels';
import { messagingService } from '@chat/messaging';
import { ticketsService } from '@chat/tickets';
import { startGateway } from '@chat/realtime-gateway';
import { startService, type RunningService } from '@chat/service-runtime';
import { createLogger, Metrics } from '@chat/telemetry';
import { allInOneConfigSchema } from './config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres.ts';
import { ensureConsoleBuild } from './console-build.ts';

const root = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const config = exitOnConfigError(() => loadConfig(allInOneConfigSchema));
const logger = createLogger('all-in-one', config.LOG_LEVEL);
const jwt = jwtSettings(config);
const verifier = createVerifier(jwt.verifier);

const stops: (() => Promise<void>)[] = [];
async function stopAll(): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch((error: unknown) => logger.error({ err: error }, 'stopping'));
}

try {
  let embedded: EmbeddedPostgresHandle | null = null;
  if (!config.DATABASE_URL) {
    embedded = await startEmbeddedPostgres({ dataDir: path.resolve(root, config.DATA_DIR, 'postgres'), port: config.EMBEDDED_PG_PORT, logger });
    stops.push(() => embedded!.stop());
  }
  const serverUrl = config.DATABASE_URL ?? embedded!.adminUrl;
  const base = config.DATABASE_URL ? new URL(serverUrl).pathname.slice(1) || 'chat' : 'chat';
  const databaseUrlFor = async (service: string) => {
    const name = `${base}_${service}`;
    await ensureDatabase(serverUrl, name);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };

  const bus: EventBus = config.AMQP_URL
    ? await createRabbitBus({ url: config.AMQP_URL, exchange: config.EVENTS_EXCHANGE, logger, metrics: new Metrics('event-bus', { processMetrics: false }) })
    : createInProcessBus({ logger });
  stops.push(() => bus.close());

  const start = async (definition: typeof channelsService, peers: { channelsUrl?: string } = {}): Promise<RunningService> => {
    const running = await startService(definition, {
      databaseUrl: await databaseUrlFor(definition.name),
      bus,
      verifier,
      logger: logger.child({ service: definition.name }),
      metrics: new Metrics(definition.name, { processMetrics: false }),
      host: '127.0.0.1',
      peers,
    });
    stops.push(() => running.stop());
    return running;
  };
  const channels = await start(channelsService);
  const [messaging, tickets] = await Promise.all([
    start(messagingService, { channelsUrl: channels.url }),
    start(ticketsService, { channelsUrl: channels.url }),
  ]);

  const gateway = await startGateway({
    port: config.PORT,
    bus,
    redisUrl: config.REDIS_URL,
    verifier,
    devAuth: jwt.devTokens ?? undefined,
    peers: { channelsUrl: channels.url, messagingUrl: messaging.url, ticketsUrl: tickets.url },
    corsOrigins: config.CORS_ORIGINS,
    rateLimits: { user: config.RATE_LIMIT_USER, tenant: config.RATE_LIMIT_TENANT },
    staticDir: config.CONSOLE_DIR ?? (await ensureConsoleBuild(root, logger)),
    logger: logger.child({ service: 'realtime-gateway' }),
    metrics: new Metrics('realtime-gateway'),
  });
  stops.push(() => gateway.stop());
  logger.info({ url: `http://localhost:${gateway.port}`, devAuth: Boolean(jwt.devTokens) }, 'the chat platform is up');
  onShutdownSignal(stopAll, logger);
} catch (error) {
  logger.fatal({ err: error }, 'could not start');
  await stopAll();
  process.exit(1);
}
