import type { EventEnvelope, Principal } from '@chat/contracts';
import type { Logger, Metrics } from '@chat/telemetry';
import type { DataSource, EntityManager, EntitySchema, MigrationInterface } from 'typeorm';

/** What every transaction of the kit can do, whatever scope it runs in. */
export interface ScopedTx {
  /** Parametrised SQL ($1, $2, ...) in this transaction; answers the rows (RETURNING rows for writes). */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Parametrised SQL in this transaction; answers how many rows it inserted, updated or deleted. */
  execute(sql: string, params?: unknown[]): Promise<number>;
  /** TypeORM's manager bound to this transaction, for repositories over EntitySchemas. */
  readonly manager: EntityManager;
}

/** A transaction that acts for one tenant under row-level security. */
export interface TenantTx extends ScopedTx {
  readonly tenantId: string;
  /**
   * Writes an event to the outbox in this transaction (the event's tenant must be this one).
   * `aggregateId` names the thing the event is about; events of one aggregate leave in commit
   * order provided the transaction locked that aggregate's row before publishing (see outbox.ts).
   * After commit the relay publishes it promptly.
   */
  publish(event: EventEnvelope, aggregateId: string): Promise<void>;
}

/**
 * A read-only transaction that sees the rows of every tenant, for platform staff queries
 * (e.g. escalated channels of all tenants) and periodic scans that then act per tenant.
 */
export type CrossTenantTx = ScopedTx;

export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

export interface TxOptions {
  /** Default READ COMMITTED. Serialization failures are retried either way. */
  isolation?: IsolationLevel;
}

/** A migration class, as TypeORM takes them: its name ends with a 13-digit JavaScript timestamp. */
export type MigrationClass = new () => MigrationInterface;

export interface DatabaseOptions {
  /** postgres://user@host:port/database; an owner or a superuser (requests still run as `chat_app`). */
  url: string;
  /** The owning service, e.g. `channels`: names the connections (application_name) and log lines. */
  service: string;
  /** The service's migrations; the kit's own run before them. */
  migrations: MigrationClass[];
  entities?: EntitySchema[];
  /** Run pending migrations at start (under a lock, so replicas starting together are safe). Default true. */
  migrate?: boolean;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  logger: Logger;
  metrics?: Metrics;
  /** How long a handled event's id is remembered by the inbox. Default 7 days. */
  inboxRetentionMs?: number;
}

export interface Database {
  readonly service: string;
  /**
   * The underlying DataSource, connected as the URL's user (owner or superuser, so outside
   * row-level security). For the kit's own machinery and tests, never for request paths.
   */
  readonly dataSource: DataSource;
  /**
   * Runs fn in one transaction as `chat_app` for `tenantId`, retrying the whole transaction on
   * serialization failures and deadlocks (so fn may run more than once: keep side effects inside
   * it to the database). Connection failures reject with `DatabaseUnavailableError`.
   */
  inTenant<T>(tenantId: string, fn: (tx: TenantTx) => Promise<T>, options?: TxOptions): Promise<T>;
  /** Like inTenant, read-only, seeing every tenant's rows. */
  acrossTenants<T>(fn: (tx: CrossTenantTx) => Promise<T>, options?: TxOptions): Promise<T>;
  /**
   * A read in a caller's reach: their own tenant, or for platform staff every tenant (read-only,
   * as they act in a channel's tenant wherever it is); what they may see there is for the
   * visibility rules to filter.
   */
  inReachOf<T>(principal: Principal, fn: (tx: ScopedTx) => Promise<T>): Promise<T>;
  /**
   * Runs fn in `inTenant(event.tenantId)` unless `consumer` already handled this event: the
   * processed-events row is written in the same transaction, so a repeat is a no-op. Answers
   * whether fn ran.
   */
  handleOnce(consumer: string, event: EventEnvelope, fn: (tx: TenantTx) => Promise<void>): Promise<boolean>;
  /**
   * `handleOnce` for a batch of events (a consumer's `handleBatch`): one transaction per tenant,
   * in the order the events came, `fn` given that tenant's events. All or nothing per tenant; it
   * throws when any event was handled before, so that the caller handles them one by one.
   */
  handleAllOnce(consumer: string, events: readonly EventEnvelope[], fn: (tx: TenantTx, events: readonly EventEnvelope[]) => Promise<void>): Promise<void>;
  /** Resolves when the database answers within `timeoutMs` (default 1s); else DatabaseUnavailableError. */
  ping(timeoutMs?: number): Promise<void>;
  /** Calls `listener` after each commit that wrote outbox rows; answers the unsubscribe. For the relay. */
  onOutboxCommit(listener: () => void): () => void;
  close(): Promise<void>;
}
