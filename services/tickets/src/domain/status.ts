import type { ChannelSnapshot, TicketStatus } from '@chat/contracts';

/**
 * The ticket status its channel implies (API.md: a ticket follows its channel). Deriving it from
 * the whole snapshot, rather than stepping per event, makes a late or skipped event harmless: the
 * newest snapshot alone says where the ticket stands, reopening included.
 */
export function ticketStatusOf(channel: Pick<ChannelSnapshot, 'status' | 'assignedTo'>): TicketStatus {
  switch (channel.status) {
    case 'ARCHIVED':
      return 'CLOSED';
    case 'RESOLVED':
      return 'RESOLVED';
    case 'ESCALATED':
      return 'ESCALATED';
    case 'ACTIVE':
      return channel.assignedTo === null ? 'OPEN' : 'IN_PROGRESS';
  }
}

/** A case nobody has settled yet: its SLA clocks run (escalated cases are in platform hands). */
export function slaClockRuns(status: TicketStatus): boolean {
  return status === 'OPEN' || status === 'IN_PROGRESS';
}

export function isSettled(status: TicketStatus): boolean {
  return status === 'RESOLVED' || status === 'CLOSED';
}
