/** Redis for tests: the machine's, or the one `REDIS_URL` names. */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}
