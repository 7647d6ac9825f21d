import { isTenantStaff, type Principal } from '@chat/contracts';

/**
 * Socket.IO room names. Every room that carries tenant data is named with its tenant, so that an
 * emit can only ever reach sockets that joined under that tenant; platform staff, who belong to no
 * tenant, have rooms of their own.
 */
export const rooms = {
  /** Every socket of a tenant: presence. */
  tenant: (tenantId: string) => `t:${tenantId}`,
  /** Every socket of one user of a tenant. */
  user: (tenantId: string, userId: string) => `t:${tenantId}:u:${userId}`,
  /** Tenant staff (`TENANT_ADMIN`, `MANAGEMENT_TEAM`): the support queue's tickets. */
  tenantStaff: (tenantId: string) => `t:${tenantId}:staff`,
  /** Sockets that joined a channel, in the channel's tenant. */
  channel: (tenantId: string, channelId: string) => `t:${tenantId}:c:${channelId}`,
  /** The staff among them: internal notes. */
  channelStaff: (tenantId: string, channelId: string) => `t:${tenantId}:c:${channelId}:staff`,
  /** Every platform `SUPER_ADMIN` socket. */
  superAdmins: 'platform:super_admins',
  /** One platform `SUPER_ADMIN`, whichever tenant the channel it takes part in belongs to. */
  platformUser: (userId: string) => `platform:u:${userId}`,
} as const;

/** The rooms a socket is put in on connect; channel rooms only ever through `join_channel`. */
export function roomsOnConnect(principal: Principal): string[] {
  const joined = [rooms.tenant(principal.tenantId), rooms.user(principal.tenantId, principal.userId)];
  if (isTenantStaff(principal.role)) joined.push(rooms.tenantStaff(principal.tenantId));
  if (principal.role === 'SUPER_ADMIN') joined.push(rooms.superAdmins, rooms.platformUser(principal.userId));
  return joined;
}

/** The rooms that are "this user": everything but their own sockets gets a typing indicator. */
export function ownRooms(principal: Principal): string[] {
  const own = [rooms.user(principal.tenantId, principal.userId)];
  if (principal.role === 'SUPER_ADMIN') own.push(rooms.platformUser(principal.userId));
  return own;
}
