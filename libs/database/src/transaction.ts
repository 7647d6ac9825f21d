import type { EventEmitter } from 'node:events';
import { parseEnvelope, type EventEnvelope } from '@chat/contracts';
import type { Metrics } from '@chat/telemetry';
import type { DataSource, QueryRunner } from 'typeorm';
import { asDatabaseError, DatabaseUnavailableError, isRetryableConflict, sqlStateOf } from './errors.ts';
import { insertOutboxRows, type PendingEvent } from './outbox.ts';
import { APP_ROLE, CROSS_TENANT_SETTING, TENANT_SETTING } from './rls.ts';
import type { ScopedTx, TenantTx, TxOptions } from './types.ts';

/**
 * Enters the scope in one round trip. Every setting is transaction-local (`true`), so the pooled
 * connection goes back to the pool as the URL's user with no tenant; every setting is written
 * each time, so nothing left on a connection could widen the next transaction's view.
 */
const TENANT_SCOPE_SQL = `SELECT set_config('role', '${APP_ROLE}', true), set_config('${TENANT_SETTING}', $1, true), set_config('${CROSS_TENANT_SETTING}', 'off', true)`;

/** Switching a transaction to read-only is allowed at any point, unlike the reverse. */
const CROSS_TENANT_SCOPE_SQL = `SELECT set_config('role', '${APP_ROLE}', true), set_config('${TENANT_SETTING}', '', true), set_config('${CROSS_TENANT_SETTING}', 'on', true), set_config('transaction_read_only', 'on', true)`;

/** Attempts in all for a transaction that hits serialization failures or deadlocks. */
const MAX_ATTEMPTS = 5;

type Counter = ReturnType<Metrics['counter']>;

type Scope = { tenantId: string } | 'all-tenants';

export interface TransactionRunnerOptions {
  dataSource: DataSource;
  isClosed: () => boolean;
  /** Called after a commit that wrote outbox rows. */
  onOutboxCommit: () => void;
  metrics?: Metrics;
}

function scopedTx(queryRunner: QueryRunner): ScopedTx {
  return {
    manager: queryRunner.manager,
    async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
      return (await queryRunner.query(sql, params, true)).records as R[];
    },
    async execute(sql: string, params: unknown[] = []): Promise<number> {
      return (await queryRunner.query(sql, params, true)).affected ?? 0;
    },
  };
}

function tenantTx(queryRunner: QueryRunner, tenantId: string, pending: PendingEvent[], isOpen: () => boolean): TenantTx {
  return {
    ...scopedTx(queryRunner),
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

/** A failed rollback leaves the connection in an unknown state: close it rather than pool it. */
export async function abandonTransaction(queryRunner: QueryRunner): Promise<void> {
  if (!queryRunner.isTransactionActive) return;
  try {
    await queryRunner.rollbackTransaction();
  } catch {
    try {
      const connection = (await queryRunner.connect()) as { end(): Promise<void> };
      connection.end().catch(() => undefined);
    } catch {
      // Never connected: nothing to close.
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TransactionRunner {
  readonly #options: TransactionRunnerOptions;
  readonly #retries: Counter | undefined;
  readonly #unavailable: Counter | undefined;

  constructor(options: TransactionRunnerOptions) {
    this.#options = options;
    this.#retries = options.metrics?.counter('db_transaction_retries_total', 'Transactions tried again after a serialization failure or deadlock', ['sqlstate']);
    this.#unavailable = options.metrics?.counter('db_unavailable_total', 'Transactions that failed because PostgreSQL could not be reached');
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
    let connection: EventEmitter | undefined;
    try {
      connection = (await queryRunner.connect()) as EventEmitter;
      connection.on('error', onConnectionError);
      await queryRunner.startTransaction(options.isolation);
      let tx: ScopedTx;
      if (scope === 'all-tenants') {
        await queryRunner.query(CROSS_TENANT_SCOPE_SQL);
        tx = scopedTx(queryRunner);
      } else {
        await queryRunner.query(TENANT_SCOPE_SQL, [scope.tenantId]);
        tx = tenantTx(queryRunner, scope.tenantId, pending, () => open);
      }
      const result = await fn(tx);
      open = false;
      await insertOutboxRows(queryRunner, pending);
      await queryRunner.commitTransaction();
      if (pending.length > 0) this.#options.onOutboxCommit();
      return result;
    } catch (err) {
      open = false;
      await abandonTransaction(queryRunner);
      if (connectionLost) throw new DatabaseUnavailableError(`database connection lost: ${String(connectionLost)}`, { cause: connectionLost });
      throw err;
    } finally {
      connection?.off('error', onConnectionError);
      await queryRunner.release();
    }
  }
}
