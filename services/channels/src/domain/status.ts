import { Refusal } from '@chat/contracts';
import type { ChannelStatus } from '@chat/contracts';

/** Everything that can happen to an existing channel. */
export type ChannelAction = 'escalate' | 'assign' | 'resolve' | 'archive' | 'reopen' | 'add_participant' | 'remove_participant';

/**
 * The states each action may start from. An archived channel is read-only, so nothing starts
 * there; a resolved case is closed until a participant writes again (reopen), so it is neither
 * escalated nor assigned, and resolving it twice means nothing. Escalating an escalated channel
 * is only the platform's taking of the case, decided in the escalation itself.
 */
const ALLOWED_FROM: Record<ChannelAction, readonly ChannelStatus[]> = {
  escalate: ['ACTIVE'],
  assign: ['ACTIVE', 'ESCALATED'],
  resolve: ['ACTIVE', 'ESCALATED'],
  archive: ['ACTIVE', 'ESCALATED', 'RESOLVED'],
  reopen: ['RESOLVED'],
  add_participant: ['ACTIVE', 'ESCALATED', 'RESOLVED'],
  remove_participant: ['ACTIVE', 'ESCALATED', 'RESOLVED'],
};

export function mayStartFrom(action: ChannelAction, status: ChannelStatus): boolean {
  return ALLOWED_FROM[action].includes(status);
}

/** Refuses (409) an action the channel's status cannot make. */
export function requireStatusFor(action: ChannelAction, status: ChannelStatus): void {
  if (mayStartFrom(action, status)) return;
  if (status === 'ARCHIVED') throw new Refusal('conflict', 'CHANNEL_ARCHIVED', 'The channel is archived and read-only');
  throw new Refusal('conflict', 'INVALID_STATUS_TRANSITION', `Cannot ${action.replace('_', ' ')} a channel that is ${status}`, {
    details: { status, action },
  });
}
