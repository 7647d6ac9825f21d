import { loadConfig, type Env } from '@chat/config';
import { z } from 'zod';

/** The tickets service's own variables (the shared ones are read by the service runtime). */
const TicketsConfig = z.object({
  /** How often the SLA scheduler looks for broken promises. */
  SLA_SCAN_INTERVAL_MS: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .pipe(z.number().int().min(10, 'must be at least 10').max(3_600_000, 'must be at most 3600000'))
    .optional()
    .transform((value) => value ?? 2_000),
});

export interface TicketsConfig {
  slaScanIntervalMs: number;
}

export function loadTicketsConfig(env: Env = process.env): TicketsConfig {
  return { slaScanIntervalMs: loadConfig(TicketsConfig, env).SLA_SCAN_INTERVAL_MS };
}
