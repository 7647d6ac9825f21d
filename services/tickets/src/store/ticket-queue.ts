import type { ScopedTx } from '@chat/database';
import type { TicketCategory, TicketPriority, TicketStatus } from '@chat/contracts';
import type { TicketRecord } from '../domain/ticket.ts';
import type { Audience } from '../domain/visibility.ts';
import { recordOf, TICKET_SELECT, type TicketRow } from './ticket-rows.ts';

export interface QueueFilter {
  status?: TicketStatus;
  priority?: TicketPriority;
  category?: TicketCategory;
  assignedTo?: string;
  channelId?: string;
}

/**
 * Where a page ends in the queue's order (next due, then opening, then id). The times are the
 * database's own microsecond values in UTC ISO form, or `infinity`, so that the next page starts
 * exactly after the last row and never skips one that shares a millisecond.
 */
export interface QueuePosition {
  due: string;
  created: string;
  id: string;
}

const UTC_MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const positionColumns = `
  CASE WHEN isfinite(queue_due_at) THEN to_char(queue_due_at AT TIME ZONE 'UTC', ${UTC_MICROS}) ELSE 'infinity' END AS position_due,
  to_char(created_at AT TIME ZONE 'UTC', ${UTC_MICROS}) AS position_created`;

type QueueRow = TicketRow & { position_due: string; position_created: string };

/** A small builder so that every condition gets its parameter number right. */
class Conditions {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  add(clause: (param: (value: unknown) => string) => string): void {
    this.clauses.push(clause((value) => {
      this.params.push(value);
      return `$${this.params.length}`;
    }));
  }
}

/**
 * One page of the tickets an audience may see. This is `canSeeTicket` (domain/visibility.ts) in
 * SQL; row-level security scopes a tenant transaction on top of it.
 */
export async function listQueue(
  tx: ScopedTx,
  audience: Audience,
  filter: QueueFilter,
  limit: number,
  after: QueuePosition | null,
): Promise<{ items: TicketRecord[]; next: QueuePosition | null }> {
  const where = new Conditions();
  switch (audience.kind) {
    case 'tenant-staff':
      where.add((p) => `tenant_id = ${p(audience.tenantId)}`);
      break;
    case 'creator':
      where.add((p) => `tenant_id = ${p(audience.tenantId)} AND created_by = ${p(audience.userId)}`);
      break;
    case 'platform-staff':
      where.add((p) => `(channel_status = 'ESCALATED' OR channel_type = 'PLATFORM_SUPPORT' OR participant_ids @> ARRAY[${p(audience.userId)}]::text[])`);
      break;
  }
  if (filter.status !== undefined) where.add((p) => `status = ${p(filter.status)}`);
  if (filter.priority !== undefined) where.add((p) => `priority = ${p(filter.priority)}`);
  if (filter.category !== undefined) where.add((p) => `category = ${p(filter.category)}`);
  if (filter.assignedTo !== undefined) where.add((p) => `assigned_to = ${p(filter.assignedTo)}`);
  if (filter.channelId !== undefined) where.add((p) => `channel_id = ${p(filter.channelId)}`);
  if (after !== null) {
    where.add((p) => `(queue_due_at, created_at, id) > (${p(after.due)}::timestamptz, ${p(after.created)}::timestamptz, ${p(after.id)}::uuid)`);
  }
  where.params.push(limit + 1);
  const rows = await tx.query<QueueRow>(
    `SELECT ${TICKET_SELECT}, ${positionColumns}
       FROM tickets
      WHERE ${where.clauses.join(' AND ')}
      ORDER BY queue_due_at, created_at, id
      LIMIT $${where.params.length}`,
    where.params,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last ? { due: last.position_due, created: last.position_created, id: last.id } : null;
  return { items: page.map(recordOf), next };
}
