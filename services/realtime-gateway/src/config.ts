import { z } from 'zod';
import {
  amqpUrl,
  corsOrigins,
  eventsExchange,
  jwtEnv,
  logLevel,
  port,
  rateLimitTenant,
  rateLimitUser,
  redisUrl,
  serviceUrl,
  withJwtKeyRule,
} from '@chat/config';

/** The gateway's environment (API.md, "Operating"). */
export const gatewayConfigSchema = withJwtKeyRule(
  z.object({
    PORT: port(8080),
    AMQP_URL: amqpUrl,
    EVENTS_EXCHANGE: eventsExchange,
    /** Unset: one replica alone, with the adapter, presence and rate limits in memory. */
    REDIS_URL: redisUrl.optional(),
    CHANNELS_URL: serviceUrl.default('http://127.0.0.1:8081'),
    MESSAGING_URL: serviceUrl.default('http://127.0.0.1:8082'),
    TICKETS_URL: serviceUrl.default('http://127.0.0.1:8083'),
    CORS_ORIGINS: corsOrigins,
    RATE_LIMIT_USER: rateLimitUser,
    RATE_LIMIT_TENANT: rateLimitTenant,
    /** The support console's static build, served at `/` when set. */
    CONSOLE_DIR: z.string().optional(),
    LOG_LEVEL: logLevel,
    ...jwtEnv,
  }),
);

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
