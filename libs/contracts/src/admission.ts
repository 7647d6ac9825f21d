import { isPlatformVisible } from './access.ts';
import { isTenantStaff, type ChannelStatus, type ChannelType, type Role } from './enums.ts';

/**
 * Who may take part in a channel, judged by the role a user was last seen with (`null`: never
 * seen, so taken as given within the tenant, as the contract says of opaque ids).
 * - Platform staff only where platform staff may look anyway (escalated or platform support
 *   channels): adding one elsewhere would show it a tenant channel it must never see.
 * - `TEAM` channels are staff rooms, and `PLATFORM_SUPPORT` a tenant's staff talking to the
 *   platform: a known `PARTICIPANT` takes part in neither.
 * Answers why not, or null when the user may be added.
 */
export function admissionProblem(channel: { type: ChannelType; status: ChannelStatus }, knownRole: Role | null): string | null {
  if (knownRole === null || isTenantStaff(knownRole)) return null;
  if (knownRole === 'SUPER_ADMIN') {
    return isPlatformVisible(channel) ? null : 'platform staff take part only in escalated and platform support channels';
  }
  if (channel.type === 'TEAM' || channel.type === 'PLATFORM_SUPPORT') return `a participant cannot take part in a ${channel.type} channel`;
  return null;
}
