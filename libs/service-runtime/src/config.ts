import { z } from 'zod';
import { amqpUrl, databaseUrl, eventsExchange, jwtEnv, jwtSettings, logLevel, migrate, port, serviceUrl, withJwtKeyRule } from '@chat/config';

/** The environment of channels, messaging and tickets (API.md, "Operating"). */
export function serviceConfigSchema(defaultPort: number) {
  return withJwtKeyRule(
    z.object({
      PORT: port(defaultPort),
      DATABASE_URL: databaseUrl,
      MIGRATE: migrate,
      AMQP_URL: amqpUrl,
      EVENTS_EXCHANGE: eventsExchange,
      CHANNELS_URL: serviceUrl.optional(),
      LOG_LEVEL: logLevel,
      ...jwtEnv,
    }),
  );
}

export type ServiceConfig = z.output<ReturnType<typeof serviceConfigSchema>>;

export function verifierOptions(config: ServiceConfig) {
  return jwtSettings(config).verifier;
}
