import type { EventEnvelope } from '@chat/contracts';
import type { QueryRunner } from 'typeorm';

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

/** Writes the events of one transaction in one statement, positions following the given order. */
export async function insertOutboxRows(queryRunner: QueryRunner, pending: readonly PendingEvent[]): Promise<void> {
  if (pending.length === 0) return;
  await queryRunner.query(
    `INSERT INTO outbox (event_id, aggregate_id, type, tenant_id, envelope)
     SELECT event_id, aggregate_id, type, tenant_id, envelope
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
            WITH ORDINALITY AS e(event_id, aggregate_id, type, tenant_id, envelope, ord)
      ORDER BY ord`,
    [
      pending.map((p) => p.event.id),
      pending.map((p) => p.aggregateId),
      pending.map((p) => p.event.type),
      pending.map((p) => p.event.tenantId),
      pending.map((p) => JSON.stringify(p.event)),
    ],
  );
}
