import type { EventEmitter } from 'node:events';
import { parseEnvelope, type EventEnvelope } from '@chat/contracts';
import type { Metrics } from '@chat/telemetry';
import type { DataSource, QueryRunner } from 'typeorm';
import { asDatabaseError, DatabaseUnavailableError, isRetryableConflict, sqlStateOf } from './errors.ts';
import { outboxInsertSql, type PendingEvent } from './outbox.ts';
import { APP_ROLE, CROSS_TENANT_SETTING, TENANT_SETTING } from './rls.ts';
import pg from 'pg';
import { preparedOn, withLiterals, type PgConnection, type RunSql } from './statements.ts';
import { resultsOf, type SimpleQueryResult } from './pool.ts';
import type { IsolationLevel, ScopedTx, TenantTx, TxOptions } from './types.ts';

/**
 * Opens the transaction and enters its scope. It is not sent on its own: it goes in one round
 * trip with the transaction's first statement, or with its outbox rows and COMMIT when nothing was
 * read (see `OpeningConnection`). Every setting is
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
      : `set_config('role', '${APP_ROLE}', true), set_config('${TENANT_SETTING}', ${pg.escapeLiteral(scope.tenantId)}, true), set_config('${CROSS_TENANT_SETTING}', 'off', true)`;
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

/**
 * The connection of one transaction, which has not sent its BEGIN yet. The first statement takes
 * the BEGIN along (its parameters written in as literals, see `withLiterals`): a round trip saved
 * on every transaction. TypeORM's manager cannot be told to do that: asking for it sends the
 * BEGIN at once, and node-postgres runs the manager's queries after it, in order.
 */
class OpeningConnection {
  readonly #connection: PgConnection;
  readonly #begin: string;
  readonly #prepared: RunSql;
  /** The round trip that carried the BEGIN, once one did. */
  #began: Promise<unknown> | undefined;

  constructor(connection: PgConnection, begin: string) {
    this.#connection = connection;
    this.#begin = begin;
    this.#prepared = preparedOn(connection);
  }

  /** Whether the BEGIN went to the server (so the transaction must be ended there). */
  get opened(): boolean {
    return this.#began !== undefined;
  }

  readonly run: RunSql = async (text, values = []) => {
    if (this.#began !== undefined) {
      await this.#began;
      return this.#prepared(text, values);
    }
    const inline = withLiterals(text, values);
    if (inline === undefined) {
      await this.beginNow();
      return this.#prepared(text, values);
    }
    const first = this.#connection.query({ text: `${this.#begin}; ${inline}` });
    this.#began = first;
    const results = resultsOf((await first) as SimpleQueryResult<unknown> | Array<SimpleQueryResult<unknown>>);
    return results.at(-1) ?? { rows: [], rowCount: 0 };
  };

  /** Sends the BEGIN on its own, unless it went already. */
  beginNow(): Promise<unknown> {
    if (this.#began === undefined) {
      this.#began = this.#connection.query({ text: this.#begin });
      // Awaited by whatever goes on with the transaction; unheard until then.
      this.#began.catch(() => undefined);
    }
    return this.#began;
  }

  /** Ends the transaction with its outbox rows: in one round trip with the BEGIN if nothing was sent. */
  async commit(pending: readonly PendingEvent[]): Promise<void> {
    if (this.#began === undefined) {
      if (pending.length > 0) await this.#connection.query({ text: `${this.#begin}; ${commitSql(pending)}` });
      return;
    }
    await this.#began;
    await this.#connection.query({ text: commitSql(pending) });
  }
}

function scopedTx(queryRunner: QueryRunner, opening: OpeningConnection): ScopedTx {
  const run = opening.run;
  return {
    get manager() {
      void opening.beginNow();
      return queryRunner.manager;
    },
    async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
      return (await run(sql, params)).rows as R[];
    },
    async execute(sql: string, params: unknown[] = []): Promise<number> {
      return (await run(sql, params)).rowCount ?? 0;
    },
  };
}

function tenantTx(queryRunner: QueryRunner, opening: OpeningConnection, tenantId: string, pending: PendingEvent[], isOpen: () => boolean): TenantTx {
  const scoped = scopedTx(queryRunner, opening);
  return {
    query: scoped.query,
    execute: scoped.execute,
    get manager() {
      return scoped.manager;
    },
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
    let opening: OpeningConnection | undefined;
    let committing = false;
    try {
      connection = (await queryRunner.connect()) as EventEmitter & PgConnection & { end(): Promise<void> };
      began = performance.now();
      this.#poolWait?.observe((began - waitStarted) / 1_000);
      connection.on('error', onConnectionError);
      opening = new OpeningConnection(connection, beginSql(scope, options.isolation));
      markTransactionOpen(queryRunner, true);
      const tx = scope === 'all-tenants' ? scopedTx(queryRunner, opening) : tenantTx(queryRunner, opening, scope.tenantId, pending, () => open);
      const result = await fn(tx);
      open = false;
      committing = true;
      await opening.commit(pending);
      committing = false;
      opening = undefined;
      markTransactionOpen(queryRunner, false);
      this.#duration?.observe({ outcome: 'commit' }, (performance.now() - began) / 1_000);
      if (pending.length > 0) this.#options.onOutboxCommit();
      return result;
    } catch (err) {
      open = false;
      markTransactionOpen(queryRunner, false);
      // A commit sent with its BEGIN that failed may have left the transaction open too.
      if ((opening?.opened || committing) && connection) await abandonTransaction(connection);
      if (began !== undefined) this.#duration?.observe({ outcome: 'rollback' }, (performance.now() - began) / 1_000);
      if (connectionLost) throw new DatabaseUnavailableError(`database connection lost: ${String(connectionLost)}`, { cause: connectionLost });
      throw err;
    } finally {
      connection?.off('error', onConnectionError);
      await queryRunner.release();
    }
  }
}
