import { z } from 'zod';

export const Role = z.enum(['SUPER_ADMIN', 'TENANT_ADMIN', 'MANAGEMENT_TEAM', 'PARTICIPANT']);
export type Role = z.infer<typeof Role>;

export const ChannelType = z.enum(['SUPPORT', 'TEAM', 'TOURNAMENT', 'PLATFORM_SUPPORT']);
export type ChannelType = z.infer<typeof ChannelType>;

export const ChannelStatus = z.enum(['ACTIVE', 'ESCALATED', 'RESOLVED', 'ARCHIVED']);
export type ChannelStatus = z.infer<typeof ChannelStatus>;

export const SenderType = z.enum(['SUPER_ADMIN', 'TENANT_ADMIN', 'MANAGEMENT_TEAM', 'PARTICIPANT', 'SYSTEM']);
export type SenderType = z.infer<typeof SenderType>;

export const TicketCategory = z.enum(['TECHNICAL', 'BILLING', 'ACCOUNT', 'TOURNAMENT_ISSUE', 'FEATURE_REQUEST', 'OTHER']);
export type TicketCategory = z.infer<typeof TicketCategory>;

export const TicketPriority = z.enum(['LOW', 'MEDIUM', 'HIGH', 'URGENT']);
export type TicketPriority = z.infer<typeof TicketPriority>;

export const TicketStatus = z.enum(['OPEN', 'IN_PROGRESS', 'ESCALATED', 'RESOLVED', 'CLOSED']);
export type TicketStatus = z.infer<typeof TicketStatus>;

/** Tenant staff: the roles that work a tenant's support queue. */
export const TENANT_STAFF_ROLES: readonly Role[] = ['TENANT_ADMIN', 'MANAGEMENT_TEAM'];

export function isTenantStaff(role: Role): boolean {
  return role === 'TENANT_ADMIN' || role === 'MANAGEMENT_TEAM';
}

/** Anyone who works cases: tenant staff and platform staff. */
export function isStaff(role: Role): boolean {
  return role !== 'PARTICIPANT';
}
