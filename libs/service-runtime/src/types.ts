import type { Express } from 'express';
import type { Logger, Metrics } from '@chat/telemetry';
import type { ConsumerSpec, EventBus } from '@chat/event-bus';
import type { Database } from '@chat/database';
import type { Verifier } from '@chat/auth';
import type { EntitySchema, MigrationInterface } from 'typeorm';

export type ServiceName = 'channels' | 'messaging' | 'tickets';

/** Where a service finds the others it asks over HTTP (read-your-writes). */
export interface Peers {
  channelsUrl?: string;
  messagingUrl?: string;
  ticketsUrl?: string;
}

/** Everything a service's modules are handed; built once per process by the runtime. */
export interface ServiceContext {
  name: ServiceName;
  db: Database;
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  verifier: Verifier;
  peers: Peers;
}

/** A long-running loop of a service (e.g. the SLA scheduler), stopped on shutdown. */
export interface Worker {
  stop(): Promise<void>;
}

/**
 * What each service declares about itself; `startService` does the rest (database and migrations,
 * outbox relay, consumers, HTTP app with health, readiness and metrics, shutdown), the same way for
 * all three, whether in its own process or inside the one-process run.
 */
export interface ServiceDefinition {
  name: ServiceName;
  migrations: (new () => MigrationInterface)[];
  entities?: EntitySchema[];
  /** Mounts the service's routes; the app already has auth-independent plumbing. */
  routes(app: Express, context: ServiceContext): void;
  consumers?(context: ServiceContext): ConsumerSpec[];
  workers?(context: ServiceContext): Worker[] | Promise<Worker[]>;
}
