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

  /** The placeholder of a new parameter. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(clause: (param: (value: unknown) => string) => string): void {
    this.clauses.push(clause((value) => this.param(value)));
  }
}

const ORDER = 'ORDER BY queue_due_at, created_at, id';

/**
 * Which tickets an audience may see, as one condition per index that finds them: this is
 * `canSeeTicket` (domain/visibility.ts) in SQL. Platform staff's two parts are read apart, each
 * from its own index (tickets_platform_queue, ticket_participants_by_user), since PostgreSQL
 * would scan every tenant's tickets for the two joined by OR.
 */
function visibleTo(audience: Audience, where: Conditions): string[] {
  switch (audience.kind) {
    case 'tenant-staff':
      return [`tenant_id = ${where.param(audience.tenantId)}`];
    case 'creator':
      return [`tenant_id = ${where.param(audience.tenantId)} AND created_by = ${where.param(audience.userId)}`];
    case 'platform-staff':
      return [
        `(channel_status = 'ESCALATED' OR channel_type = 'PLATFORM_SUPPORT')`,
        `id IN (SELECT ticket_id FROM ticket_participants WHERE user_id = ${where.param(audience.userId)})`,
      ];
  }
}

/**
 * The statement of one page of the queue. Row-level security scopes a tenant transaction on top
 * of it. With more than one part, each part reads its own first page and the page is taken from
 * what they found.
 */
export function queueQuery(audience: Audience, filter: QueueFilter, limit: number, after: QueuePosition | null): { sql: string; params: unknown[] } {
  const where = new Conditions();
  const parts = visibleTo(audience, where);
  if (filter.status !== undefined) where.add((p) => `status = ${p(filter.status)}`);
  if (filter.priority !== undefined) where.add((p) => `priority = ${p(filter.priority)}`);
  if (filter.category !== undefined) where.add((p) => `category = ${p(filter.category)}`);
  if (filter.assignedTo !== undefined) where.add((p) => `assigned_to = ${p(filter.assignedTo)}`);
  if (filter.channelId !== undefined) where.add((p) => `channel_id = ${p(filter.channelId)}`);
  if (after !== null) {
    where.add((p) => `(queue_due_at, created_at, id) > (${p(after.due)}::timestamptz, ${p(after.created)}::timestamptz, ${p(after.id)}::uuid)`);
  }
  const take = where.param(limit + 1);
  const filters = where.clauses.map((clause) => ` AND ${clause}`).join('');
  const select = `SELECT ${TICKET_SELECT}, ${positionColumns} FROM tickets`;
  if (parts.length === 1) return { sql: `${select} WHERE ${parts[0]}${filters} ${ORDER} LIMIT ${take}`, params: where.params };
  const firstPages = parts.map((part) => `(SELECT id FROM tickets WHERE ${part}${filters} ${ORDER} LIMIT ${take})`).join(' UNION ALL ');
  return { sql: `${select} WHERE id IN (${firstPages}) ${ORDER} LIMIT ${take}`, params: where.params };
}

/** One page of the tickets an audience may see, and where the next one starts. */
export async function listQueue(
  tx: ScopedTx,
  audience: Audience,
  filter: QueueFilter,
  limit: number,
  after: QueuePosition | null,
): Promise<{ items: TicketRecord[]; next: QueuePosition | null }> {
  const { sql, params } = queueQuery(audience, filter, limit, after);
  const rows = await tx.query<QueueRow>(sql, params);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last ? { due: last.position_due, created: last.position_created, id: last.id } : null;
  return { items: page.map(recordOf), next };
}
