import { mayStartFrom, type ChannelAction, type ChannelStatus, type TicketStatus } from '@chat/contracts';

/**
 * What the ticket panel offers to do with a case, where the contract's rule lets it start (the
 * channels service refuses anything else with 409). Taking an escalated case (platform staff
 * escalating to themselves) is not an escalation here: it has its own button.
 */
export type CaseAction = Extract<ChannelAction, 'escalate' | 'assign' | 'resolve' | 'archive'>;

/** The channel status a ticket's status stands for, while the channel itself is not loaded yet. */
export const CHANNEL_STATUS_OF_TICKET: Record<TicketStatus, ChannelStatus> = {
  OPEN: 'ACTIVE',
  IN_PROGRESS: 'ACTIVE',
  ESCALATED: 'ESCALATED',
  RESOLVED: 'RESOLVED',
  CLOSED: 'ARCHIVED',
};

const WHY_NOT: Record<ChannelStatus, string> = {
  ACTIVE: '',
  ESCALATED: 'The case is already escalated to platform support.',
  RESOLVED: 'The case is resolved; it reopens when the customer writes again.',
  ARCHIVED: 'The conversation is archived and read-only.',
};

/** Why an action cannot start from a status, for the disabled button's tooltip; null when it can. */
export function whyNot(action: CaseAction, status: ChannelStatus): string | null {
  return mayStartFrom(action, status) ? null : WHY_NOT[status];
}
