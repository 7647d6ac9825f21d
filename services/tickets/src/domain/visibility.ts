import { isParticipant, isPlatformVisible, isTenantStaff, type Principal } from '@chat/contracts';
import type { TicketRecord } from './ticket.ts';

type Facts = Pick<TicketRecord, 'tenantId' | 'createdBy' | 'channelType' | 'channelStatus' | 'participantIds'>;

/**
 * API.md: a participant sees the tickets it opened, tenant staff all of their tenant's, platform
 * staff the escalated and platform ones of every tenant (and, as with channels, those it takes
 * part in). The list queries mirror this in SQL (store/ticket-queue.ts).
 */
export function canSeeTicket(principal: Principal, ticket: Facts): boolean {
  if (principal.role === 'SUPER_ADMIN') {
    const channel = { type: ticket.channelType, status: ticket.channelStatus, participants: ticket.participantIds.map((userId) => ({ userId })) };
    return isPlatformVisible(channel) || isParticipant(principal, channel);
  }
  if (principal.tenantId !== ticket.tenantId) return false;
  if (isTenantStaff(principal.role)) return true;
  return ticket.createdBy === principal.userId;
}

/** Changing a ticket's priority or category: staff who may see it. */
export function canEditTicket(principal: Principal, ticket: Facts): boolean {
  return principal.role !== 'PARTICIPANT' && canSeeTicket(principal, ticket);
}

/** Which tickets a caller's queue holds, as the store queries them. */
export type Audience =
  | { kind: 'tenant-staff'; tenantId: string }
  | { kind: 'creator'; tenantId: string; userId: string }
  | { kind: 'platform-staff'; userId: string };

export function audienceOf(principal: Principal): Audience {
  if (principal.role === 'SUPER_ADMIN') return { kind: 'platform-staff', userId: principal.userId };
  if (isTenantStaff(principal.role)) return { kind: 'tenant-staff', tenantId: principal.tenantId };
  return { kind: 'creator', tenantId: principal.tenantId, userId: principal.userId };
}
