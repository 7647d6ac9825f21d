import type { EventEnvelope } from '@chat/contracts';
import type { Logger } from '@chat/telemetry';
import type { DataSource } from 'typeorm';
import { every } from './every.ts';
import { purgeOlderThan } from './purge.ts';
import type { TenantTx } from './types.ts';

/**
 * The inbox: the insert of (consumer, event id) and the handler's changes commit or roll back
 * together. A redelivery, even one running concurrently, waits on the first one's key, then
 * inserts nothing and skips the handler. The row of a handler that failed rolls back with it,
 * so the retry runs the handler again.
 */
export async function handleOnceIn(
  tx: TenantTx,
  consumer: string,
  event: EventEnvelope,
  fn: (tx: TenantTx) => Promise<void>,
): Promise<boolean> {
  const inserted = await tx.execute(
    'INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [consumer, event.id],
  );
  if (inserted === 0) return false;
  await fn(tx);
  return true;
}

/** Some events of a batch were handled before: the batch backs off, and its events go one by one. */
export class RepeatedEventsError extends Error {
  override readonly name = 'RepeatedEventsError';
}

/**
 * The inbox for a batch of one tenant's events, in one statement. The common case, none seen
 * before, writes every row and runs `fn` on them all; a repeat among them (a redelivery) throws
 * RepeatedEventsError so that the transaction rolls back and the events are handled one by one,
 * where the inbox sorts repeats from new ones. (Telling them apart here would need the request
 * role to read the inbox, which it may not.)
 */
export async function handleAllOnceIn(
  tx: TenantTx,
  consumer: string,
  events: readonly EventEnvelope[],
  fn: (tx: TenantTx, events: readonly EventEnvelope[]) => Promise<void>,
): Promise<void> {
  const ids = [...new Set(events.map((event) => event.id))];
  const inserted = await tx.execute(
    'INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING',
    [consumer, ids],
  );
  if (inserted !== ids.length || ids.length !== events.length) {
    throw new RepeatedEventsError(`${events.length - inserted} of ${events.length} events of ${consumer} were handled before`);
  }
  await fn(tx, events);
}

export const DEFAULT_INBOX_RETENTION_MS = 7 * 24 * 3_600_000;
const INBOX_PURGE_INTERVAL_MS = 15 * 60_000;

/**
 * Forgets handled events after the retention, which must outlast any redelivery (broker retries,
 * a dead letter replayed by an operator).
 */
export function startInboxPurge(dataSource: DataSource, retentionMs: number, logger: Logger): () => Promise<void> {
  return every(INBOX_PURGE_INTERVAL_MS, async () => {
    try {
      const purged = await purgeOlderThan(dataSource, { table: 'processed_events', column: 'processed_at', key: ['consumer', 'event_id'] }, retentionMs);
      if (purged > 0) logger.debug({ purged }, 'inbox purged');
    } catch (err) {
      logger.warn({ err }, 'inbox purge failed');
    }
  });
}
