import type { ServiceDefinition } from '@chat/service-runtime';
import { loadTicketsConfig, type TicketsConfig } from './config.ts';
import { ticketsConsumer } from './events/consumer.ts';
import { mountRoutes } from './http/routes.ts';
import { TicketsSchema1764151200000 } from './store/migrations/1764151200000-tickets-schema.ts';
import { PlatformQueue1764700000000 } from './store/migrations/1764700000000-platform-queue.ts';
import { startSlaScheduler } from './workers/sla-scheduler.ts';

/**
 * The tickets service: a ticket for every support channel, following its channel's events, its
 * history and SLA clocks, the queue, SLA policies and canned responses. Options not given are
 * read from the environment when the service starts.
 */
export function createTicketsService(options: Partial<TicketsConfig> = {}): ServiceDefinition {
  return {
    name: 'tickets',
    migrations: [TicketsSchema1764151200000, PlatformQueue1764700000000],
    routes: mountRoutes,
    consumers: (context) => [ticketsConsumer(context)],
    workers: (context) => {
      const config = { ...loadTicketsConfig(), ...options };
      return [startSlaScheduler(context, { intervalMs: config.slaScanIntervalMs })];
    },
  };
}

export const ticketsService = createTicketsService();
export default ticketsService;
