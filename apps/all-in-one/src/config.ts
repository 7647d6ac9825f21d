import { z } from 'zod';
import { amqpUrl, corsOrigins, databaseUrl, eventsExchange, flag, jwtEnv, logLevel, port, rateLimitTenant, rateLimitUser, redisUrl, withJwtKeyRule } from '@chat/config';

/** The one-process run: every variable optional, embedded defaults for what is not given. */
export const allInOneConfigSchema = withJwtKeyRule(
  z.object({
    PORT: port(8080),
    DATABASE_URL: databaseUrl.optional(),
    AMQP_URL: amqpUrl.optional(),
    EVENTS_EXCHANGE: eventsExchange,
    REDIS_URL: redisUrl.optional(),
    CORS_ORIGINS: corsOrigins.optional(),
    RATE_LIMIT_USER: rateLimitUser,
    RATE_LIMIT_TENANT: rateLimitTenant,
    LOG_LEVEL: logLevel,
    EMBEDDED_PG_PORT: port(54329),
    DATA_DIR: z.string().default('.data'),
    /** A console build to serve instead of the one made from `apps/support-console`. */
    CONSOLE_DIR: z.string().optional(),
    ...jwtEnv,
    DEV_AUTH: flag(true),
  }),
);
