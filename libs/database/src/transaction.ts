import type { EventEmitter } from 'node:events';
import { parseEnvelope, type EventEnvelope } from '@chat/contracts';
import type { Metrics } from '@chat/telemetry';
import type { DataSource, QueryRunner } from 'typeorm';
import { asDatabaseError, DatabaseUnavailableError, isRetryableConflict, sqlStateOf } from './errors.ts';
import { outboxInsertSql, type PendingEvent } from './outbox.ts';
import { APP_ROLE, CROSS_TENANT_SETTING, TENANT_SETTING } from './rls.ts';
import { preparedOn, sqlLiteral, type PgConnection, type RunSql } from './statements.ts';
import type { IsolationLevel, ScopedTx, TenantTx, TxOptions } from './types.ts';

/**
 * Opens the transaction and enters its scope in one round trip. Every setting is
 * transaction-local (`true`), so the pooled connection goes back to the pool as the URL's user
 * with no tenant; every setting is written each time, so nothing left on a connection could widen
 * the next transaction's view. Switching a transaction to read-only is allowed at any point.
 */
function beginSql(scope: Scope, isolation: IsolationLevel | undefined): string {
  if (isolation !== undefined && !ISOLATION_LEVELS.has(isolation)) throw new Error(`unknown isolation level ${String(isolation)}`);
  const begin = isolation === undefined ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${isolation}`;
  const settings =
    scope === 'all-tenants'
      ? `set_config('role', '${APP_ROLE}', true), set_config('${TENANT_SETTING}', '', true), set_config('${CROSS_TENANT_SETTING}', 'on', true), set_config('transaction_read_only', 'on', true)`
      : `set_config('role', '${APP_ROLE}', true), set_config('${TENANT_SETTING}', ${sqlLiteral(scope.tenantId)}, true), set_config('${CROSS_TENANT_SETTING}', 'off', true)`;
  return `${begin}; SELECT ${settings}`;
}

const ISOLATION_LEVELS = new Set<IsolationLevel>(['READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE']);

/** The transaction's events and the commit, in one round trip (see outbox.ts). */
function commitSql(pending: readonly PendingEvent[]): string {
  return pending.length === 0 ? 'COMMIT' : `${outboxInsertSql(pending)}; COMMIT`;
}

/** Attempts in all for a transaction that hits serialization failures or deadlocks. */
const MAX_ATTEMPTS = 5;

type Counter = ReturnType<Metrics['counter']>;
type Histogram = ReturnType<Metrics['histogram']>;

type Scope = { tenantId: string } | 'all-tenants';

export interface TransactionRunnerOptions {
  dataSource: DataSource;
  isClosed: () => boolean;
  /** Called after a commit that wrote outbox rows. */
  onOutboxCommit: () => void;
  metrics?: Metrics;
}

function scopedTx(queryRunner: QueryRunner, run: RunSql): ScopedTx {
  return {
    manager: queryRunner.manager,
    async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
      return (await run(sql, params)).rows as R[];
    },
    async execute(sql: string, params: unknown[] = []): Promise<number> {
      return (await run(sql, params)).rowCount ?? 0;
    },
  };
}

function tenantTx(queryRunner: QueryRunner, run: RunSql, tenantId: string, pending: PendingEvent[], isOpen: () => boolean): TenantTx {
  return {
    ...scopedTx(queryRunner, run),
    tenantId,
    async publish(event: EventEnvelope, aggregateId: string): Promise<void> {
      if (!isOpen()) throw new Error('publish after the transaction ended: await it inside the transaction');
      const valid = parseEnvelope(event);
      if (valid.tenantId !== tenantId) {
        throw new Error(`event ${valid.type} of tenant ${valid.tenantId} published in a transaction of tenant ${tenantId}`);
      }
      if (aggregateId.length === 0) throw new Error('publish needs the id of the aggregate the event is about');
      // Written with the transaction's other events in one INSERT just before commit.
      pending.push({ event: valid, aggregateId });
    },
  };
}

/**
 * The kit runs the transaction itself on TypeORM's connection (to save round trips); TypeORM is
 * told one is open, so that its manager (`save`, say) never opens or commits one of its own inside.
 */
function markTransactionOpen(queryRunner: QueryRunner, open: boolean): void {
  (queryRunner as { isTransactionActive: boolean }).isTransactionActive = open;
}

/** A failed rollback leaves the connection in an unknown state: close it rather than pool it. */
async function abandonTransaction(connection: PgConnection & { end(): Promise<void> }): Promise<void> {
  try {
    await connection.query({ text: 'ROLLBACK' });
  } catch {
    connection.end().catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TransactionRunner {
  readonly #options: TransactionRunnerOptions;
  readonly #retries: Counter | undefined;
  readonly #unavailable: Counter | undefined;
  readonly #poolWait: Histogram | undefined;
  readonly #duration: Histogram | undefined;

  constructor(options: TransactionRunnerOptions) {
    this.#options = options;
    this.#retries = options.metrics?.counter('db_transaction_retries_total', 'Transactions tried again after a serialization failure or deadlock', ['sqlstate']);
    this.#unavailable = options.metrics?.counter('db_unavailable_total', 'Transactions that failed because PostgreSQL could not be reached');
    this.#poolWait = options.metrics?.histogram('db_pool_wait_seconds', 'Time a transaction waited for a pooled connection');
    this.#duration = options.metrics?.histogram('db_transaction_duration_seconds', 'From BEGIN to the end of COMMIT or ROLLBACK, by outcome', ['outcome']);
  }

  async inTenant<T>(tenantId: string, fn: (tx: TenantTx) => Promise<T>, options?: TxOptions): Promise<T> {
    if (typeof tenantId !== 'string' || tenantId.length === 0) throw new Error('inTenant needs a tenant id');
    return await this.#withRetries({ tenantId }, fn as (tx: ScopedTx) => Promise<T>, options);
  }

  acrossTenants<T>(fn: (tx: ScopedTx) => Promise<T>, options?: TxOptions): Promise<T> {
    return this.#withRetries('all-tenants', fn, options);
  }

  async #withRetries<T>(scope: Scope, fn: (tx: ScopedTx) => Promise<T>, options: TxOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(scope, fn, options);
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && isRetryableConflict(err)) {
          this.#retries?.inc({ sqlstate: sqlStateOf(err) ?? 'unknown' });
          // Jittered and growing, so the transactions that collided do not collide again.
          await sleep(Math.random() * 10 * 2 ** attempt);
          continue;
        }
        const error = asDatabaseError(err);
        if (error instanceof DatabaseUnavailableError) this.#unavailable?.inc();
        throw error;
      }
    }
  }

  async #once<T>(scope: Scope, fn: (tx: ScopedTx) => Promise<T>, options: TxOptions): Promise<T> {
    if (this.#options.isClosed()) throw new DatabaseUnavailableError('database closed');
    const queryRunner = this.#options.dataSource.createQueryRunner();
    const pending: PendingEvent[] = [];
    let open = true;
    // When the connection drops, TypeORM releases the runner and later queries only say
    // "already released": keep the real cause.
    let connectionLost: unknown;
    const onConnectionError = (err: unknown) => (connectionLost ??= err);
    let connection: (EventEmitter & PgConnection & { end(): Promise<void> }) | undefined;
    const waitStarted = performance.now();
    let began: number | undefined;
    let inTransaction = false;
    try {
      connection = (await queryRunner.connect()) as EventEmitter & PgConnection & { end(): Promise<void> };
      began = performance.now();
      this.#poolWait?.observe((began - waitStarted) / 1_000);
      connection.on('error', onConnectionError);
      const run = preparedOn(connection);
      inTransaction = true;
      await connection.query({ text: beginSql(scope, options.isolation) });
      markTransactionOpen(queryRunner, true);
      const tx = scope === 'all-tenants' ? scopedTx(queryRunner, run) : tenantTx(queryRunner, run, scope.tenantId, pending, () => open);
      const result = await fn(tx);
      open = false;
      await connection.query({ text: commitSql(pending) });
      inTransaction = false;
      markTransactionOpen(queryRunner, false);
      this.#duration?.observe({ outcome: 'commit' }, (performance.now() - began) / 1_000);
      if (pending.length > 0) this.#options.onOutboxCommit();
      return result;
    } catch (err) {
      open = false;
      markTransactionOpen(queryRunner, false);
      if (inTransaction && connection) await abandonTransaction(connection);
      if (began !== undefined) this.#duration?.observe({ outcome: 'rollback' }, (performance.now() - began) / 1_000);
      if (connectionLost) throw new DatabaseUnavailableError(`database connection lost: ${String(connectionLost)}`, { cause: connectionLost });
      throw err;
    } finally {
      connection?.off('error', onConnectionError);
      await queryRunner.release();
    }
  }
}
