import type { EventEnvelope } from '@chat/contracts';
import type { EntityManager } from 'typeorm';

/** A transaction that acts for one tenant under row-level security. */
export interface TenantTx {
  readonly tenantId: string;
  /** Parametrised SQL ($1, $2, ...) in this transaction. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** TypeORM's manager bound to this transaction, for repositories over EntitySchemas. */
  readonly manager: EntityManager;
  /**
   * Writes an event to the outbox in this transaction. `aggregateId` orders events: those of one
   * aggregate leave in commit order. After commit the relay publishes it promptly.
   */
  publish(event: EventEnvelope, aggregateId: string): Promise<void>;
}
