import type { Ticket, TicketCategory, TicketPriority, TicketStatus } from '@chat/contracts';

/** The queue's filters; an empty string means "any". `assignee` is a user id, or `unassigned`. */
export interface QueueFilter {
  status: TicketStatus | '';
  priority: TicketPriority | '';
  category: TicketCategory | '';
  assignee: string;
  search: string;
}

export type QueueSort = 'newest' | 'due' | 'priority';

export const EMPTY_FILTER: QueueFilter = { status: '', priority: '', category: '', assignee: '', search: '' };

/** The same rules the server applies to `GET /tickets`, so tickets arriving live land where they belong. */
export function matchesFilter(ticket: Ticket, filter: QueueFilter): boolean {
  if (filter.status && ticket.status !== filter.status) return false;
  if (filter.priority && ticket.priority !== filter.priority) return false;
  if (filter.category && ticket.category !== filter.category) return false;
  if (filter.assignee === 'unassigned' ? ticket.assignedTo !== null : filter.assignee && ticket.assignedTo !== filter.assignee) return false;
  const words = filter.search.trim().toLowerCase();
  if (words === '') return true;
  const haystack = `#${ticket.number} ${ticket.subject} ${ticket.createdBy} ${ticket.tenantId}`.toLowerCase();
  return words.split(/\s+/).every((word) => haystack.includes(word));
}

const PRIORITY_RANK: Record<TicketPriority, number> = { URGENT: 0, HIGH: 1, MEDIUM: 2, LOW: 3 };

/** Whether a ticket's work is over: no clock runs on it. */
export function isSettled(ticket: Ticket): boolean {
  return ticket.status === 'RESOLVED' || ticket.status === 'CLOSED';
}

/** The SLA clock that matters now: the first answer until it is given, then the resolution. */
export function dueOf(ticket: Ticket): { kind: 'first response' | 'resolution'; at: string } | null {
  if (isSettled(ticket)) return null;
  if (ticket.firstResponseAt === null && ticket.firstResponseDueAt) return { kind: 'first response', at: ticket.firstResponseDueAt };
  if (ticket.resolutionDueAt) return { kind: 'resolution', at: ticket.resolutionDueAt };
  return null;
}

export function sortTickets(tickets: Ticket[], sort: QueueSort): Ticket[] {
  const byNewest = (a: Ticket, b: Ticket) => b.createdAt.localeCompare(a.createdAt);
  const compare: Record<QueueSort, (a: Ticket, b: Ticket) => number> = {
    newest: byNewest,
    due: (a, b) => {
      const dueA = dueOf(a)?.at ?? '\uffff';
      const dueB = dueOf(b)?.at ?? '\uffff';
      return dueA.localeCompare(dueB) || byNewest(a, b);
    },
    priority: (a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || byNewest(a, b),
  };
  return [...tickets].sort(compare[sort]);
}
