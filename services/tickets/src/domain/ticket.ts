import type { ChannelStatus, ChannelType, Ticket, TicketCategory, TicketPriority, TicketStatus } from '@chat/contracts';

/**
 * A ticket as the service keeps it: the public `Ticket` plus what it tracks of its channel (the
 * latest snapshot revision applied, status, type and participants, for ordering and visibility)
 * and where its resolution clock started (opening, or the last reopening).
 */
export interface TicketRecord {
  id: string;
  tenantId: string;
  number: number;
  channelId: string;
  channelType: ChannelType;
  channelStatus: ChannelStatus;
  channelRevision: number;
  participantIds: string[];
  subject: string;
  category: TicketCategory;
  priority: TicketPriority;
  status: TicketStatus;
  createdBy: string;
  assignedTo: string | null;
  escalatedTo: string | null;
  resolution: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  firstResponseAt: Date | null;
  firstResponseDueAt: Date;
  resolutionDueAt: Date;
  resolutionClockFrom: Date;
  createdAt: Date;
  updatedAt: Date;
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

export function toTicket(record: TicketRecord): Ticket {
  return {
    id: record.id,
    number: record.number,
    channelId: record.channelId,
    tenantId: record.tenantId,
    subject: record.subject,
    category: record.category,
    priority: record.priority,
    status: record.status,
    createdBy: record.createdBy,
    assignedTo: record.assignedTo,
    escalatedTo: record.escalatedTo,
    resolution: record.resolution,
    resolvedAt: iso(record.resolvedAt),
    resolvedBy: record.resolvedBy,
    firstResponseAt: iso(record.firstResponseAt),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    firstResponseDueAt: record.firstResponseDueAt.toISOString(),
    resolutionDueAt: record.resolutionDueAt.toISOString(),
  };
}

/** Whether two states of a ticket differ in anything its readers see (its time stamp aside). */
export function differsPublicly(before: TicketRecord, after: TicketRecord): boolean {
  const { updatedAt: _before, ...a } = toTicket(before);
  const { updatedAt: _after, ...b } = toTicket(after);
  return JSON.stringify(a) !== JSON.stringify(b);
}
