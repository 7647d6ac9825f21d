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

/**
 * The order `GET /tickets` pages in: the next promise due first, settled tickets last (API.md).
 * Any first pages of the queue sort the same way, so in this order they are the queue's top.
 */
export const SERVER_SORT: QueueSort = 'due';

/** How much of the queue the console holds: its first pages, or all of it (up to a cap). */
export type QueueDepth = 'page' | 'all';

export const EMPTY_FILTER: QueueFilter = { status: '', priority: '', category: '', assignee: '', search: '' };

/** The assignee `GET /tickets` is asked for: it knows no "unassigned", which the console narrows itself. */
function serverAssignee(filter: QueueFilter): string {
  return filter.assignee === 'unassigned' ? '' : filter.assignee;
}

/** Whether two filters ask the server for the same tickets (the search and "unassigned" narrow them here). */
export function sameServerFilter(a: QueueFilter, b: QueueFilter): boolean {
  return a.status === b.status && a.priority === b.priority && a.category === b.category && serverAssignee(a) === serverAssignee(b);
}

/**
 * Whether showing the queue this way needs all of it: sorting or narrowing in the console covers
 * only what is loaded, so a page would leave tickets out of the top, or out of the matches.
 */
export function needsWholeQueue(filter: QueueFilter, sort: QueueSort): boolean {
  return sort !== SERVER_SORT || filter.assignee === 'unassigned' || filter.search.trim() !== '';
}

/** The same rules the server applies to `GET /tickets`, so tickets arriving live land where they belong. */
/** `nameOf` gives the customer's display name, so that typing a name finds their tickets. */
export function matchesFilter(ticket: Ticket, filter: QueueFilter, nameOf: (userId: string) => string = (userId) => userId): boolean {
  if (filter.status && ticket.status !== filter.status) return false;
  if (filter.priority && ticket.priority !== filter.priority) return false;
  if (filter.category && ticket.category !== filter.category) return false;
  if (filter.assignee === 'unassigned' ? ticket.assignedTo !== null : filter.assignee && ticket.assignedTo !== filter.assignee) return false;
  const words = filter.search.trim().toLowerCase();
  if (words === '') return true;
  const haystack = `#${ticket.number} ${ticket.subject} ${ticket.createdBy} ${nameOf(ticket.createdBy)} ${ticket.tenantId}`.toLowerCase();
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
