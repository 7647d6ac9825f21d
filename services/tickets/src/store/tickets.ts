import type { ScopedTx, TenantTx } from '@chat/database';
import type { TicketHistoryEntry } from '@chat/contracts';
import type { Transition } from '../domain/channel-change.ts';
import type { TicketRecord } from '../domain/ticket.ts';
import { recordOf, TICKET_COLUMNS, TICKET_SELECT, ticketParams, type TicketRow } from './ticket-rows.ts';

async function one(tx: ScopedTx, sql: string, params: unknown[]): Promise<TicketRecord | null> {
  const [row] = await tx.query<TicketRow>(sql, params);
  return row ? recordOf(row) : null;
}

/** The ticket of a channel, locked for a change: changes of one ticket queue up behind each other. */
export function lockTicketOfChannel(tx: TenantTx, channelId: string): Promise<TicketRecord | null> {
  return one(tx, `SELECT ${TICKET_SELECT} FROM tickets WHERE channel_id = $1 FOR UPDATE`, [channelId]);
}

export function lockTicket(tx: TenantTx, id: string): Promise<TicketRecord | null> {
  return one(tx, `SELECT ${TICKET_SELECT} FROM tickets WHERE id = $1 FOR UPDATE`, [id]);
}

/** Reads a ticket in whatever scope the transaction has (one tenant, or all of them). */
export function findTicket(tx: ScopedTx, id: string): Promise<TicketRecord | null> {
  return one(tx, `SELECT ${TICKET_SELECT} FROM tickets WHERE id = $1`, [id]);
}

const placeholders = TICKET_COLUMNS.map((_, index) => `$${index + 1}`).join(', ');

export async function insertTicket(tx: TenantTx, record: TicketRecord): Promise<void> {
  await tx.execute(`INSERT INTO tickets (${TICKET_SELECT}) VALUES (${placeholders})`, ticketParams(record));
}

/** Writes every column but the identity ones (id, tenant, number, channel, creator). */
const IDENTITY = new Set(['id', 'tenant_id', 'number', 'channel_id', 'channel_type', 'created_by']);
const UPDATABLE = TICKET_COLUMNS.map((column, index) => ({ column, index })).filter(({ column }) => !IDENTITY.has(column));
const UPDATE_SQL = `UPDATE tickets SET ${UPDATABLE.map(({ column }, position) => `${column} = $${position + 2}`).join(', ')} WHERE id = $1`;

export async function saveTicket(tx: TenantTx, record: TicketRecord): Promise<void> {
  const values = ticketParams(record);
  const updated = await tx.execute(UPDATE_SQL, [record.id, ...UPDATABLE.map(({ index }) => values[index])]);
  if (updated !== 1) throw new Error(`ticket ${record.id} was not there to update`);
}

export async function appendHistory(tx: TenantTx, ticket: TicketRecord, transition: Transition): Promise<void> {
  await tx.execute(
    `INSERT INTO ticket_history (tenant_id, ticket_id, from_status, to_status, actor_id, actor_role, reason, event_type, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [ticket.tenantId, ticket.id, transition.from, transition.to, transition.actor.userId, transition.actor.role, transition.reason, transition.event, transition.at],
  );
}

interface HistoryRow {
  from_status: TicketHistoryEntry['from'];
  to_status: TicketHistoryEntry['to'];
  actor_id: string;
  actor_role: TicketHistoryEntry['actor']['role'];
  reason: string | null;
  event_type: string | null;
  at: Date;
}

export async function historyOf(tx: ScopedTx, ticketId: string): Promise<TicketHistoryEntry[]> {
  const rows = await tx.query<HistoryRow>(
    `SELECT from_status, to_status, actor_id, actor_role, reason, event_type, at FROM ticket_history WHERE ticket_id = $1 ORDER BY at, id`,
    [ticketId],
  );
  return rows.map((row) => ({
    from: row.from_status,
    to: row.to_status,
    actor: { userId: row.actor_id, role: row.actor_role },
    at: row.at.toISOString(),
    reason: row.reason,
    event: row.event_type,
  }));
}

/**
 * The next ticket number of the transaction's tenant. The counter row stays locked until commit,
 * so concurrent openings in one tenant take turns, and a rollback gives the number back.
 */
export async function takeTicketNumber(tx: TenantTx): Promise<number> {
  const [row] = await tx.query<{ last_number: number }>(
    `INSERT INTO ticket_counters (tenant_id, last_number) VALUES ($1, 1)
     ON CONFLICT (tenant_id) DO UPDATE SET last_number = ticket_counters.last_number + 1
     RETURNING last_number`,
    [tx.tenantId],
  );
  if (!row) throw new Error('the ticket counter returned no row');
  return row.last_number;
}

