import type { ChannelStatus, ChannelType, Role } from './enums.ts';
import { isTenantStaff } from './enums.ts';
import type { Principal } from './principal.ts';

/**
 * The who-may-do-what rules of the public contract, in one place: the channels service decides
 * with them, and messaging and the gateway judge their local copies of a channel with the same
 * functions, so the copies can never disagree with the owner about a rule.
 */
export interface ChannelFacts {
  tenantId: string;
  type: ChannelType;
  status: ChannelStatus;
  participants: readonly { userId: string }[];
}

export function isParticipant(principal: Pick<Principal, 'userId'>, channel: Pick<ChannelFacts, 'participants'>): boolean {
  return channel.participants.some((participant) => participant.userId === principal.userId);
}

/** Visible to platform staff whatever the tenant: escalations and platform support cases. */
export function isPlatformVisible(channel: Pick<ChannelFacts, 'type' | 'status'>): boolean {
  return channel.status === 'ESCALATED' || channel.type === 'PLATFORM_SUPPORT';
}

/**
 * Whoever may see a channel may read its history, join its room, mark it read and send into it.
 * Everyone else gets 404, so a channel they may not see is indistinguishable from none.
 */
export function canSeeChannel(principal: Principal, channel: ChannelFacts): boolean {
  if (principal.role === 'SUPER_ADMIN') return isPlatformVisible(channel) || isParticipant(principal, channel);
  if (principal.tenantId !== channel.tenantId) return false;
  if (channel.type === 'TEAM') return isTenantStaff(principal.role) && isParticipant(principal, channel);
  if (isParticipant(principal, channel)) return true;
  return isTenantStaff(principal.role) && (channel.type === 'SUPPORT' || channel.type === 'TOURNAMENT');
}

/** Escalate, assign, resolve, and manage who takes part: staff who may see the channel. */
export function canManageChannel(principal: Principal, channel: ChannelFacts): boolean {
  return principal.role !== 'PARTICIPANT' && canSeeChannel(principal, channel);
}

/** Archive: tenant admins and platform staff who may see the channel. */
export function canArchiveChannel(principal: Principal, channel: ChannelFacts): boolean {
  return (principal.role === 'TENANT_ADMIN' || principal.role === 'SUPER_ADMIN') && canSeeChannel(principal, channel);
}

/** Internal notes and `note_created`: staff only, never a participant. */
export function canSeeNotes(principal: Principal, channel: ChannelFacts): boolean {
  return principal.role !== 'PARTICIPANT' && canSeeChannel(principal, channel);
}

const CREATORS: Record<ChannelType, readonly Role[]> = {
  SUPPORT: ['TENANT_ADMIN', 'MANAGEMENT_TEAM', 'PARTICIPANT'],
  TEAM: ['TENANT_ADMIN', 'MANAGEMENT_TEAM'],
  TOURNAMENT: ['TENANT_ADMIN', 'MANAGEMENT_TEAM'],
  PLATFORM_SUPPORT: ['TENANT_ADMIN'],
};

/** Who may open a channel of a type. Platform staff belong to no tenant and open none. */
export function canCreateChannel(role: Role, type: ChannelType): boolean {
  return CREATORS[type].includes(role);
}

/** Channel types that open a support ticket with them. */
export function opensTicket(type: ChannelType): boolean {
  return type === 'SUPPORT' || type === 'PLATFORM_SUPPORT';
}
