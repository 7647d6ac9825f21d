import type { EventEnvelope } from '@chat/contracts';
import pg from 'pg';

/**
 * The transactional outbox (modelled on eShop's integration-event log): an event is a row written
 * in the same transaction as the state change it reports, so it exists if and only if the change
 * committed. The relay (outbox-relay.ts) publishes rows in `position` order and marks them.
 *
 * Ordering contract. `position` comes from a sequence, drawn when the row is inserted, not when
 * its transaction commits; two transactions may commit in the opposite order of their positions.
 * Events of one aggregate still leave in commit order because every service locks the
 * aggregate's row (SELECT ... FOR UPDATE, or the UPDATE of it) before it publishes: a second
 * transaction on the same aggregate cannot insert its outbox row until the first has committed,
 * so its position is higher, and the relay (one at a time per database) publishes by position.
 * Events of different aggregates carry no order between them.
 */
export interface PendingEvent {
  event: EventEnvelope;
  aggregateId: string;
}

/**
 * The INSERT of one transaction's events, positions following the given order (the rows of a
 * VALUES list are inserted in order). Values are literals, so that it can share a round trip with
 * the COMMIT after it.
 */
export function outboxInsertSql(pending: readonly PendingEvent[]): string {
  const rows = pending.map(
    ({ event, aggregateId }) =>
      `(${pg.escapeLiteral(event.id)}::uuid, ${pg.escapeLiteral(aggregateId)}, ${pg.escapeLiteral(event.type)}, ${pg.escapeLiteral(event.tenantId)}, ${pg.escapeLiteral(JSON.stringify(event))}::jsonb)`,
  );
  return `INSERT INTO outbox (event_id, aggregate_id, type, tenant_id, envelope) VALUES ${rows.join(', ')}`;
}
