import type { SlaKind } from '@chat/contracts';
import type { CrossTenantTx, TenantTx } from '@chat/database';
import type { Breach } from '../domain/sla.ts';
import type { TicketRecord } from '../domain/ticket.ts';
import { recordOf, TICKET_SELECT, type TicketRow } from './ticket-rows.ts';

export interface BreachCandidate {
  ticketId: string;
  tenantId: string;
}

/**
 * Tickets of every tenant with a due time passed and not yet fired, soonest due first. Only a
 * hint: each one is checked again under its row lock before anything fires.
 */
export async function findBreachCandidates(tx: CrossTenantTx, limit: number): Promise<BreachCandidate[]> {
  const rows = await tx.query<{ id: string; tenant_id: string }>(
    `SELECT id, tenant_id FROM (
       SELECT t.id, t.tenant_id, t.first_response_due_at AS due_at FROM tickets t
        WHERE t.status IN ('OPEN', 'IN_PROGRESS') AND t.first_response_at IS NULL AND t.first_response_due_at <= now()
          AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.ticket_id = t.id AND b.kind = 'FIRST_RESPONSE' AND b.due_at = t.first_response_due_at)
       UNION ALL
       SELECT t.id, t.tenant_id, t.resolution_due_at FROM tickets t
        WHERE t.status IN ('OPEN', 'IN_PROGRESS') AND t.resolution_due_at <= now()
          AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.ticket_id = t.id AND b.kind = 'RESOLUTION' AND b.due_at = t.resolution_due_at)
     ) due
     GROUP BY id, tenant_id
     ORDER BY min(due_at)
     LIMIT $1`,
    [limit],
  );
  return rows.map((row) => ({ ticketId: row.id, tenantId: row.tenant_id }));
}

/**
 * The ticket locked for the scheduler, with the database's clock; null when another transaction
 * holds it (another scheduler replica on the same breach, or a consumer changing the ticket):
 * skipping instead of waiting is what keeps replicas from queueing up to fire the same breach.
 */
export async function lockTicketForSla(tx: TenantTx, ticketId: string): Promise<{ ticket: TicketRecord; now: Date } | null> {
  const [row] = await tx.query<TicketRow & { db_now: Date }>(
    `SELECT ${TICKET_SELECT}, clock_timestamp() AS db_now FROM tickets WHERE id = $1 FOR UPDATE SKIP LOCKED`,
    [ticketId],
  );
  return row ? { ticket: recordOf(row), now: row.db_now } : null;
}

/** Claims a breach; false when it was claimed already (it has fired, or is firing, elsewhere). */
export async function claimBreach(tx: TenantTx, ticket: TicketRecord, breach: Breach): Promise<boolean> {
  const claimed = await tx.execute(
    `INSERT INTO sla_breaches (tenant_id, ticket_id, kind, due_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [ticket.tenantId, ticket.id, breach.kind satisfies SlaKind, breach.dueAt],
  );
  return claimed === 1;
}
