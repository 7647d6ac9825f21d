import type { SlaTargets, UpdateTicketBody } from '@chat/contracts';
import { withDueTimes } from './sla.ts';
import { differsPublicly, type TicketRecord } from './ticket.ts';

export class TicketClosedError extends Error {
  override readonly name = 'TicketClosedError';
}

/**
 * Staff correct a ticket's priority or category. A new priority moves the SLA due times to the
 * tenant's targets for it, counted from the same starts. A closed ticket is history and stays so.
 */
export function reclassify(current: TicketRecord, change: UpdateTicketBody, targets: SlaTargets, now: Date): { ticket: TicketRecord; changed: boolean } {
  if (current.status === 'CLOSED') throw new TicketClosedError('A closed ticket cannot be changed');
  let next: TicketRecord = { ...current, priority: change.priority ?? current.priority, category: change.category ?? current.category };
  if (next.priority !== current.priority) next = withDueTimes(next, targets);
  const changed = differsPublicly(current, next);
  return { ticket: changed ? { ...next, updatedAt: now } : current, changed };
}
