import { createVerifier } from '@chat/auth';
import { exitOnConfigError, jwtSettings, loadConfig } from '@chat/config';
import { createRabbitBus } from '@chat/event-bus';
import { onShutdownSignal } from '@chat/http-kit';
import { createLogger, Metrics } from '@chat/telemetry';
import { gatewayConfigSchema } from './config.ts';
import { startGateway } from './gateway.ts';

const config = exitOnConfigError(() => loadConfig(gatewayConfigSchema));
const logger = createLogger('realtime-gateway', config.LOG_LEVEL);
const metrics = new Metrics('realtime-gateway');
const jwt = jwtSettings(config);
if (!config.REDIS_URL) logger.warn('REDIS_URL is not set: this replica reaches only its own sockets');

const bus = await createRabbitBus({ url: config.AMQP_URL, exchange: config.EVENTS_EXCHANGE, logger, metrics });
const gateway = await startGateway({
  port: config.PORT,
  bus,
  redisUrl: config.REDIS_URL,
  // Two systems sharing a broker are told apart by their exchange; so they are in Redis.
  redisKeyPrefix: config.EVENTS_EXCHANGE,
  verifier: createVerifier(jwt.verifier),
  devAuth: jwt.devTokens,
  peers: { channelsUrl: config.CHANNELS_URL, messagingUrl: config.MESSAGING_URL, ticketsUrl: config.TICKETS_URL },
  corsOrigins: config.CORS_ORIGINS,
  rateLimits: { user: config.RATE_LIMIT_USER, tenant: config.RATE_LIMIT_TENANT },
  staticDir: config.CONSOLE_DIR,
  logger,
  metrics,
}).catch(async (error: unknown) => {
  logger.fatal({ err: error }, 'could not start');
  await bus.close().catch(() => {});
  process.exit(1);
});

onShutdownSignal(async () => {
  await gateway.stop();
  await bus.close();
}, logger);
logger.info({ port: gateway.port, keySource: jwt.keySource, devTokens: jwt.devTokens !== null }, 'realtime-gateway is up');
