import { makeEnvelope, type Actor } from '@chat/contracts';
import type { TenantTx } from '@chat/database';
import type { Breach } from '../domain/sla.ts';
import { toTicket, type TicketRecord } from '../domain/ticket.ts';

/** The ticket's events leave in the order of its changes: the ticket is their aggregate. */
export function publishTicketOpened(tx: TenantTx, ticket: TicketRecord, actor: Actor): Promise<void> {
  return tx.publish(makeEnvelope('ticket.opened', ticket.tenantId, actor, { ticket: toTicket(ticket), channelType: ticket.channelType }), ticket.id);
}

export function publishTicketUpdated(tx: TenantTx, ticket: TicketRecord, actor: Actor): Promise<void> {
  return tx.publish(makeEnvelope('ticket.updated', ticket.tenantId, actor, { ticket: toTicket(ticket), channelType: ticket.channelType }), ticket.id);
}

export function publishSlaBreached(tx: TenantTx, ticket: TicketRecord, breach: Breach, actor: Actor): Promise<void> {
  const data = { ticketId: ticket.id, channelId: ticket.channelId, kind: breach.kind, dueAt: breach.dueAt.toISOString() };
  return tx.publish(makeEnvelope('ticket.sla_breached', ticket.tenantId, actor, data), ticket.id);
}
