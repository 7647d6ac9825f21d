import { z } from 'zod';

/** A whole number within bounds, coerced from its text. */
function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

/** `1`/`true` or `0`/`false` (any case), turned into a boolean. */
export function flag(defaultValue: boolean) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return defaultValue;
      const normalized = value.trim().toLowerCase();
      if (normalized === '1' || normalized === 'true') return true;
      if (normalized === '0' || normalized === 'false') return false;
      ctx.addIssue({ code: 'custom', message: 'must be 1 or 0 (or true/false)' });
      return z.NEVER;
    });
}

/** An absolute URL with one of the given schemes (written without `://`). */
export function url(...schemes: string[]) {
  const expected = schemes.map((scheme) => `${scheme}://`).join(' or ');
  return z.string().refine(
    (text) => {
      if (!URL.canParse(text)) return false;
      const parsed = new URL(text);
      return schemes.includes(parsed.protocol.slice(0, -1)) && parsed.hostname !== '';
    },
    { error: `must be a URL starting with ${expected}` },
  );
}

/** `PORT`: its default differs per service. `0` asks the system for a free port. */
export function port(defaultPort: number) {
  return wholeNumber(0, 65535).optional().transform((value) => value ?? defaultPort);
}

/** `DATABASE_URL`: the service's own PostgreSQL database. */
export const databaseUrl = url('postgres', 'postgresql');

/** `MIGRATE`: run the schema migrations at start unless `0`. */
export const migrate = flag(true);

/** `AMQP_URL`: RabbitMQ; a vhost in the path is honoured by the client. */
export const amqpUrl = url('amqp', 'amqps');

/**
 * `EVENTS_EXCHANGE`: every queue name starts with it, so it keeps to the characters RabbitMQ
 * allows in names and leaves room for the suffixes.
 */
export const eventsExchange = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1..200 letters, digits, ".", "_", ":" or "-"')
  .default('chat.events');

/** `REDIS_URL`: Socket.IO adapter, presence and rate limits. */
export const redisUrl = url('redis', 'rediss');

/** `CHANNELS_URL`, `MESSAGING_URL`, `TICKETS_URL`: where another service answers HTTP. */
export const serviceUrl = url('http', 'https').transform((text) => text.replace(/\/+$/, ''));

/**
 * `CORS_ORIGINS`: comma-separated origins (`https://app.example.com`), normalised to the form a
 * browser sends in `Origin`. Unset stays `undefined`: the gateway then allows its own origin and
 * callers without one.
 */
export const corsOrigins = z
  .string()
  .transform((text, ctx) => {
    const origins: string[] = [];
    for (const entry of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
      const parsed = URL.canParse(entry) ? new URL(entry) : null;
      const isOrigin =
        parsed !== null &&
        (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
        (parsed.pathname === '/' || parsed.pathname === '') &&
        parsed.search === '' &&
        parsed.hash === '' &&
        parsed.username === '';
      if (!parsed || !isOrigin) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not an origin like https://app.example.com` });
        return z.NEVER;
      }
      origins.push(parsed.origin);
    }
    return origins;
  })
  .optional();

/** Requests plus socket events per second; `0` turns the limit off. */
export function rateLimit(defaultPerSecond: number) {
  return wholeNumber(0, 1_000_000_000).optional().transform((value) => value ?? defaultPerSecond);
}

/** `RATE_LIMIT_USER`: per user per second (default 50, bursts of twice that). */
export const rateLimitUser = rateLimit(50);

/** `RATE_LIMIT_TENANT`: per tenant per second (default 5,000). */
export const rateLimitTenant = rateLimit(5000);

/** `DEV_AUTH`: `1` turns on `/api/chat/dev/token` (and allows running without a JWT key). */
export const devAuth = flag(false);

/** `LOG_LEVEL`: a pino level. */
export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: 'must be one of fatal, error, warn, info, debug, trace, silent',
  })
  .default('info');
