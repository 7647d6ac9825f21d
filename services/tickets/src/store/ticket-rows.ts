import type { ChannelStatus, ChannelType, TicketCategory, TicketPriority, TicketStatus } from '@chat/contracts';
import type { TicketRecord } from '../domain/ticket.ts';

/** The columns of a ticket, in the order `ticketParams` gives them. */
export const TICKET_COLUMNS = [
  'id',
  'tenant_id',
  'number',
  'channel_id',
  'channel_type',
  'channel_status',
  'channel_revision',
  'participant_ids',
  'subject',
  'category',
  'priority',
  'status',
  'created_by',
  'assigned_to',
  'escalated_to',
  'resolution',
  'resolved_at',
  'resolved_by',
  'first_response_at',
  'first_response_due_at',
  'resolution_due_at',
  'resolution_clock_from',
  'created_at',
  'updated_at',
] as const;

export const TICKET_SELECT = TICKET_COLUMNS.join(', ');

export interface TicketRow {
  id: string;
  tenant_id: string;
  number: number;
  channel_id: string;
  channel_type: ChannelType;
  channel_status: ChannelStatus;
  channel_revision: number;
  participant_ids: string[];
  subject: string;
  category: TicketCategory;
  priority: TicketPriority;
  status: TicketStatus;
  created_by: string;
  assigned_to: string | null;
  escalated_to: string | null;
  resolution: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  first_response_at: Date | null;
  first_response_due_at: Date;
  resolution_due_at: Date;
  resolution_clock_from: Date;
  created_at: Date;
  updated_at: Date;
}

export function recordOf(row: TicketRow): TicketRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    number: row.number,
    channelId: row.channel_id,
    channelType: row.channel_type,
    channelStatus: row.channel_status,
    channelRevision: row.channel_revision,
    participantIds: row.participant_ids,
    subject: row.subject,
    category: row.category,
    priority: row.priority,
    status: row.status,
    createdBy: row.created_by,
    assignedTo: row.assigned_to,
    escalatedTo: row.escalated_to,
    resolution: row.resolution,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    firstResponseAt: row.first_response_at,
    firstResponseDueAt: row.first_response_due_at,
    resolutionDueAt: row.resolution_due_at,
    resolutionClockFrom: row.resolution_clock_from,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function ticketParams(record: TicketRecord): unknown[] {
  return [
    record.id,
    record.tenantId,
    record.number,
    record.channelId,
    record.channelType,
    record.channelStatus,
    record.channelRevision,
    record.participantIds,
    record.subject,
    record.category,
    record.priority,
    record.status,
    record.createdBy,
    record.assignedTo,
    record.escalatedTo,
    record.resolution,
    record.resolvedAt,
    record.resolvedBy,
    record.firstResponseAt,
    record.firstResponseDueAt,
    record.resolutionDueAt,
    record.resolutionClockFrom,
    record.createdAt,
    record.updatedAt,
  ];
}
