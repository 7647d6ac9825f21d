import type { EventEnvelope } from '@chat/contracts';
import type { TenantTx } from '@chat/database';
import { answersTicket, isStaffSender } from '../domain/first-response.ts';
import { rememberEarlyStaffMessage } from '../store/early-staff-messages.ts';
import { lockTicketOfChannel, saveTicket } from '../store/tickets.ts';
import { publishTicketUpdated } from './publish.ts';

/**
 * The first staff answer starts nothing and stops the first-response clock. Messages carry no
 * channel type, so a staff message of a channel without a ticket may belong to a team channel or
 * to a ticket not opened here yet: it is kept aside for the latter (channel-events.ts).
 */
export async function handleMessageCreated(tx: TenantTx, event: EventEnvelope<'message.created'>, now: Date): Promise<void> {
  const message = event.data.message;
  if (!isStaffSender(message.senderType) || message.tenantId !== tx.tenantId) return;

  const ticket = await lockTicketOfChannel(tx, message.channelId);
  if (ticket === null) {
    await rememberEarlyStaffMessage(tx, message);
    return;
  }
  if (!answersTicket(ticket, message)) return;
  const sentAt = new Date(message.createdAt);
  // Messages may arrive out of order: the earliest answer is the first response.
  if (ticket.firstResponseAt !== null && ticket.firstResponseAt <= sentAt) return;
  const answered = { ...ticket, firstResponseAt: sentAt, updatedAt: now };
  await saveTicket(tx, answered);
  await publishTicketUpdated(tx, answered, event.actor);
}
