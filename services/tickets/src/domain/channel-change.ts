import type { Actor, ChannelEvent, EventEnvelope, SlaTargets, TicketStatus } from '@chat/contracts';
import { dueTimesOf, targetFor } from './sla.ts';
import { isSettled, ticketStatusOf } from './status.ts';
import { differsPublicly, type TicketRecord } from './ticket.ts';


/** One entry of a ticket's history. */
export interface Transition {
  from: TicketStatus | null;
  to: TicketStatus;
  actor: Actor;
  at: Date;
  reason: string | null;
  event: string | null;
}

export interface ChannelChange {
  ticket: TicketRecord;
  transition: Transition | null;
  /** Whether readers of the ticket see anything new (so a `ticket.updated` is due). */
  visible: boolean;
  /** The resolution clock restarted (a reopening): the due times need the tenant's targets. */
  clockRestarted: boolean;
}

function reasonOf(event: ChannelEvent): string | null {
  switch (event.type) {
    case 'channel.escalated':
      return event.data.reason;
    case 'channel.resolved':
      return event.data.resolution;
    case 'channel.assigned':
      return `assigned to ${event.data.assignedTo}`;
    default:
      return null;
  }
}

function resolutionOf(event: EventEnvelope<'channel.resolved'>): Pick<TicketRecord, 'resolution' | 'resolvedAt' | 'resolvedBy'> {
  return { resolution: event.data.resolution, resolvedAt: new Date(event.occurredAt), resolvedBy: event.actor.userId };
}

export interface Opening {
  id: string;
  number: number;
  targets: SlaTargets;
  now: Date;
}

/** The ticket a ticket-opening channel's `channel.created` opens, with its first history entry. */
export function openTicket(event: EventEnvelope<'channel.created'>, { id, number, targets, now }: Opening): { ticket: TicketRecord; transition: Transition } {
  const channel = event.data.channel;
  const request = event.data.ticket;
  const createdAt = new Date(event.occurredAt);
  const priority = request?.priority ?? 'MEDIUM';
  const status = ticketStatusOf(channel);
  const clocks = { createdAt, resolutionClockFrom: createdAt };
  const ticket: TicketRecord = {
    id,
    tenantId: channel.tenantId,
    number,
    channelId: channel.id,
    channelType: channel.type,
    channelStatus: channel.status,
    channelRevision: channel.revision,
    participantIds: channel.participants.map((participant) => participant.userId),
    // A ticket-opening channel always carries its request; the fallbacks only keep a malformed
    // producer from losing the case.
    subject: request?.subject ?? channel.name ?? 'Support request',
    category: request?.category ?? 'OTHER',
    priority,
    status,
    createdBy: channel.createdBy,
    assignedTo: channel.assignedTo,
    escalatedTo: channel.escalatedTo,
    resolution: null,
    resolvedAt: null,
    resolvedBy: null,
    firstResponseAt: null,
    ...dueTimesOf(clocks, targetFor(targets, priority)),
    ...clocks,
    updatedAt: now,
  };
  const transition: Transition = { from: null, to: status, actor: event.actor, at: createdAt, reason: request?.subject ?? null, event: event.type };
  return { ticket, transition };
}

/**
 * Applies a channel event to its ticket. Only a snapshot newer than the last one applied moves the
 * ticket, so a repeated or late event (an `assigned` arriving after `resolved`) changes nothing.
 * One exception: a late `channel.resolved` still supplies who resolved the case and how when a
 * newer snapshot has already settled it, since no other event carries that.
 */
export function applyChannelEvent(current: TicketRecord, event: ChannelEvent, now: Date): ChannelChange {
  const channel = event.data.channel;
  if (channel.revision <= current.channelRevision) return lateChange(current, event, now);

  const at = new Date(event.occurredAt);
  const status = ticketStatusOf(channel);
  let next: TicketRecord = {
    ...current,
    status,
    channelStatus: channel.status,
    channelRevision: channel.revision,
    participantIds: channel.participants.map((participant) => participant.userId),
    assignedTo: channel.assignedTo,
    escalatedTo: channel.escalatedTo,
  };
  const clockRestarted = isSettled(current.status) && !isSettled(status);
  if (clockRestarted) next = { ...next, resolution: null, resolvedAt: null, resolvedBy: null, resolutionClockFrom: at };
  if (event.type === 'channel.resolved') next = { ...next, ...resolutionOf(event) };

  const transition = status === current.status ? null : { from: current.status, to: status, actor: event.actor, at, reason: reasonOf(event), event: event.type };
  return settle(current, next, now, transition, clockRestarted);
}

function lateChange(current: TicketRecord, event: ChannelEvent, now: Date): ChannelChange {
  if (event.type === 'channel.resolved' && isSettled(current.status) && current.resolvedAt === null) {
    return settle(current, { ...current, ...resolutionOf(event) }, now, null, false);
  }
  return { ticket: current, transition: null, visible: false, clockRestarted: false };
}

function settle(current: TicketRecord, next: TicketRecord, now: Date, transition: Transition | null, clockRestarted: boolean): ChannelChange {
  const visible = differsPublicly(current, next);
  return { ticket: visible ? { ...next, updatedAt: now } : next, transition, visible, clockRestarted };
}
