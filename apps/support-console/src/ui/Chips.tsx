import type { ChannelStatus, Ticket, TicketPriority, TicketStatus } from '@chat/contracts';
import { duration } from '../format.ts';
import { dueOf } from '../state/queue-filter.ts';

export function StatusChip({ status }: { status: TicketStatus | ChannelStatus }) {
  return <span className={`chip status status-${status.toLowerCase()}`}>{status}</span>;
}

export function PriorityChip({ priority }: { priority: TicketPriority }) {
  return <span className={`chip priority priority-${priority.toLowerCase()}`}>{priority}</span>;
}

/** The SLA clock that runs now; an overdue one stands out. */
export function DueChip({ ticket, now }: { ticket: Ticket; now: number }) {
  const due = dueOf(ticket);
  if (!due) return null;
  const left = new Date(due.at).getTime() - now;
  const overdue = left < 0;
  const soon = !overdue && left < 30 * 60_000;
  const what = due.kind === 'first response' ? 'First response' : 'Resolution';
  return (
    <span className={`chip due${overdue ? ' due-overdue' : soon ? ' due-soon' : ''}`} title={`${what} due ${new Date(due.at).toLocaleString()}`}>
      {overdue ? `${what} overdue ${duration(left)}` : `${what} due in ${duration(left)}`}
    </span>
  );
}

export function UnreadBadge({ count }: { count: number }) {
  if (count <= 0) return null;
  return (
    <span className="badge">
      {count > 99 ? '99+' : count}
      <span className="sr-only"> unread</span>
    </span>
  );
}
