import type { SlaKind, SlaTarget, SlaTargets, TicketPriority } from '@chat/contracts';
import { slaClockRuns } from './status.ts';
import type { TicketRecord } from './ticket.ts';

/** What a tenant gets until its admin sets its own targets (minutes). */
export const DEFAULT_SLA_TARGETS: SlaTargets = {
  URGENT: { firstResponseMinutes: 15, resolutionMinutes: 240 },
  HIGH: { firstResponseMinutes: 60, resolutionMinutes: 480 },
  MEDIUM: { firstResponseMinutes: 240, resolutionMinutes: 1_440 },
  LOW: { firstResponseMinutes: 480, resolutionMinutes: 2_880 },
};

const MINUTE_MS = 60_000;

const after = (start: Date, minutes: number) => new Date(start.getTime() + Math.round(minutes * MINUTE_MS));

export interface DueTimes {
  firstResponseDueAt: Date;
  resolutionDueAt: Date;
}

/**
 * The first answer is due a target after opening; the resolution a target after the resolution
 * clock started (opening, or the last reopening: a reopened case gets a fresh clock rather than
 * one that ran out while it was resolved).
 */
export function dueTimesOf(ticket: Pick<TicketRecord, 'createdAt' | 'resolutionClockFrom'>, target: SlaTarget): DueTimes {
  return {
    firstResponseDueAt: after(ticket.createdAt, target.firstResponseMinutes),
    resolutionDueAt: after(ticket.resolutionClockFrom, target.resolutionMinutes),
  };
}

export function targetFor(targets: SlaTargets, priority: TicketPriority): SlaTarget {
  return targets[priority];
}

/** The ticket with its due times recomputed, e.g. after a priority change or a reopening. */
export function withDueTimes(ticket: TicketRecord, targets: SlaTargets): TicketRecord {
  return { ...ticket, ...dueTimesOf(ticket, targetFor(targets, ticket.priority)) };
}

export interface Breach {
  kind: SlaKind;
  dueAt: Date;
}

/**
 * The promises a ticket has broken at `now`. A breach is identified by its kind and due time, so
 * a due time moved by a priority change or a reopening can be breached anew, but one due time
 * never twice.
 */
export function breachesAt(ticket: Pick<TicketRecord, 'status' | 'firstResponseAt' | 'firstResponseDueAt' | 'resolutionDueAt'>, now: Date): Breach[] {
  if (!slaClockRuns(ticket.status)) return [];
  const breaches: Breach[] = [];
  if (ticket.firstResponseAt === null && ticket.firstResponseDueAt <= now) breaches.push({ kind: 'FIRST_RESPONSE', dueAt: ticket.firstResponseDueAt });
  if (ticket.resolutionDueAt <= now) breaches.push({ kind: 'RESOLUTION', dueAt: ticket.resolutionDueAt });
  return breaches;
}
