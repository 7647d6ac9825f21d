import type { Message, SenderType } from '@chat/contracts';
import type { TicketRecord } from './ticket.ts';

const STAFF_SENDERS: readonly SenderType[] = ['TENANT_ADMIN', 'MANAGEMENT_TEAM', 'SUPER_ADMIN'];

export function isStaffSender(senderType: SenderType): boolean {
  return STAFF_SENDERS.includes(senderType);
}

/**
 * Whether a message answers the ticket: it comes from staff other than the one who asked (staff
 * may open tickets too, and their own follow-up is no answer), and for a platform support case
 * from platform staff, since the tenant admin who opened it is the customer there.
 */
export function answersTicket(ticket: Pick<TicketRecord, 'createdBy' | 'channelType'>, message: Pick<Message, 'senderId' | 'senderType'>): boolean {
  if (message.senderId === ticket.createdBy) return false;
  if (ticket.channelType === 'PLATFORM_SUPPORT') return message.senderType === 'SUPER_ADMIN';
  return isStaffSender(message.senderType);
}
