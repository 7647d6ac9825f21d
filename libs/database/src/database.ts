import type { EventEnvelope } from '@chat/contracts';
import { connectDataSource } from './data-source.ts';
import { asDatabaseError, DatabaseUnavailableError } from './errors.ts';
import { DEFAULT_INBOX_RETENTION_MS, handleAllOnceIn, handleOnceIn, startInboxPurge } from './inbox.ts';
import { runPendingMigrations } from './migrate.ts';
import { TransactionRunner } from './transaction.ts';
import type { Database, DatabaseOptions } from './types.ts';

const DEFAULT_PING_TIMEOUT_MS = 1_000;

/**
 * Connects, runs pending migrations (the kit's, then the service's) unless `migrate` is false,
 * and answers the service's data-access entry point. Rejects with DatabaseUnavailableError when
 * PostgreSQL cannot be reached.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { service, logger } = options;
  const dataSource = await connectDataSource(options);
  if (options.migrate ?? true) {
    try {
      const ran = await runPendingMigrations(dataSource);
      if (ran.length > 0) logger.info({ migrations: ran }, 'migrations applied');
    } catch (err) {
      await dataSource.destroy().catch(() => undefined);
      throw err;
    }
  }

  let closed = false;
  const outboxListeners = new Set<() => void>();
  const transactions = new TransactionRunner({
    dataSource,
    isClosed: () => closed,
    onOutboxCommit: () => {
      for (const listener of outboxListeners) {
        try {
          listener();
        } catch (err) {
          logger.error({ err }, 'outbox listener failed');
        }
      }
    },
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  // Started by the first handled event, so services that consume nothing run no purge.
  let stopInboxPurge: (() => Promise<void>) | null = null;

  return {
    service,
    dataSource,
    inTenant: (tenantId, fn, txOptions) => transactions.inTenant(tenantId, fn, txOptions),
    acrossTenants: (fn, txOptions) => transactions.acrossTenants(fn, txOptions),
    inReachOf: (principal, fn) => (principal.role === 'SUPER_ADMIN' ? transactions.acrossTenants(fn) : transactions.inTenant(principal.tenantId, fn)),

    handleOnce(consumer, event, fn) {
      stopInboxPurge ??= startInboxPurge(dataSource, options.inboxRetentionMs ?? DEFAULT_INBOX_RETENTION_MS, logger);
      return transactions.inTenant(event.tenantId, (tx) => handleOnceIn(tx, consumer, event, fn));
    },

    async handleAllOnce(consumer, events, fn) {
      stopInboxPurge ??= startInboxPurge(dataSource, options.inboxRetentionMs ?? DEFAULT_INBOX_RETENTION_MS, logger);
      const byTenant = new Map<string, EventEnvelope[]>();
      for (const event of events) byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), event]);
      for (const [tenantId, ofTenant] of byTenant) {
        await transactions.inTenant(tenantId, (tx) => handleAllOnceIn(tx, consumer, ofTenant, fn));
      }
    },

    async ping(timeoutMs = DEFAULT_PING_TIMEOUT_MS) {
      if (closed) throw new DatabaseUnavailableError('database closed');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DatabaseUnavailableError(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      const answer = dataSource.query('SELECT 1');
      // The query may settle after the timeout has answered; its outcome no longer matters.
      answer.catch(() => undefined);
      try {
        await Promise.race([answer, timeout]);
      } catch (err) {
        // For readiness any failure means "not ready".
        const error = asDatabaseError(err);
        throw error instanceof DatabaseUnavailableError ? error : new DatabaseUnavailableError(`database ping failed: ${String(err)}`, { cause: err });
      } finally {
        clearTimeout(timer);
      }
    },

    onOutboxCommit(listener) {
      outboxListeners.add(listener);
      return () => outboxListeners.delete(listener);
    },

    async close() {
      if (closed) return;
      closed = true;
      outboxListeners.clear();
      await stopInboxPurge?.();
      await dataSource.destroy();
    },
  };
}
