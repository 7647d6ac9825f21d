import { createVerifier } from '@chat/auth';
import { exitOnConfigError, loadConfig } from '@chat/config';
import { createRabbitBus } from '@chat/event-bus';
import { createLogger, Metrics } from '@chat/telemetry';
import { serviceConfigSchema, verifierOptions } from './config.ts';
import { startService } from './start-service.ts';
import type { ServiceDefinition } from './types.ts';

const DEFAULT_PORTS = { channels: 8081, messaging: 8082, tickets: 8083 } as const;

/**
 * The `main.ts` of every service: read the environment once, connect to the broker, start, and
 * shut down gracefully on SIGTERM.
 */
export async function runServiceMain(definition: ServiceDefinition): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(serviceConfigSchema(DEFAULT_PORTS[definition.name])));
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  const metrics = new Metrics(definition.name);
  const bus = await createRabbitBus({ url: config.AMQP_URL, exchange: config.EVENTS_EXCHANGE, logger, metrics });
  const running = await startService(definition, {
    databaseUrl: config.DATABASE_URL,
    bus,
    verifier: createVerifier(verifierOptions(config)),
    ownsBus: true,
    logger,
    metrics,
    port: config.PORT,
    migrate: config.MIGRATE,
    peers: { channelsUrl: config.CHANNELS_URL },
    handleSignals: true,
  }).catch(async (error: unknown) => {
    logger.fatal({ err: error }, 'could not start');
    await bus.close().catch(() => {});
    process.exit(1);
  });
  logger.info({ port: running.port }, `${definition.name} is up`);
}
