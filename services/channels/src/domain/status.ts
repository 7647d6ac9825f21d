import { mayStartFrom, Refusal, type ChannelAction, type ChannelStatus } from '@chat/contracts';

/** Refuses (409) an action the channel's status cannot make (the contract's `mayStartFrom`). */
export function requireStatusFor(action: ChannelAction, status: ChannelStatus): void {
  if (mayStartFrom(action, status)) return;
  if (status === 'ARCHIVED') throw new Refusal('conflict', 'CHANNEL_ARCHIVED', 'The channel is archived and read-only');
  throw new Refusal('conflict', 'INVALID_STATUS_TRANSITION', `Cannot ${action.replace('_', ' ')} a channel that is ${status}`, {
    details: { status, action },
  });
}
