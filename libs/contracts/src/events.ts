import { z } from 'zod';
import { ChannelStatus, ChannelType, Role, SenderType, TicketCategory, TicketPriority } from './enums.ts';
import { IsoTime, Metadata, OpaqueId, Seq, Uuid } from './ids.ts';
import type { Principal } from './principal.ts';
import { Message, Note, Ticket } from './resources.ts';

/**
 * What consumers need to know about a channel, carried by every `channel.*` event so that no
 * consumer has to call back. `revision` grows with every change of the channel: a consumer keeps
 * the highest it has seen and ignores older snapshots that arrive late.
 */
export const ChannelSnapshot = z.object({
  id: Uuid,
  tenantId: OpaqueId,
  type: ChannelType,
  status: ChannelStatus,
  name: z.string().nullable(),
  createdBy: OpaqueId,
  assignedTo: OpaqueId.nullable(),
  escalatedTo: OpaqueId.nullable(),
  participants: z.array(z.object({ userId: OpaqueId, role: Role.nullable() })),
  revision: z.number().int().positive(),
  updatedAt: IsoTime,
});
export type ChannelSnapshot = z.infer<typeof ChannelSnapshot>;

export const TicketRequest = z.object({
  subject: z.string(),
  category: TicketCategory,
  priority: TicketPriority,
});

export const SlaKind = z.enum(['FIRST_RESPONSE', 'RESOLUTION']);
export type SlaKind = z.infer<typeof SlaKind>;

/** Every event type and the schema of its `data`. The routing key is the type. */
export const EventData = {
  'channel.created': z.object({ channel: ChannelSnapshot, ticket: TicketRequest.nullable(), metadata: Metadata.nullable() }),
  'channel.participant_added': z.object({ channel: ChannelSnapshot, userId: OpaqueId }),
  'channel.participant_removed': z.object({ channel: ChannelSnapshot, userId: OpaqueId }),
  'channel.assigned': z.object({ channel: ChannelSnapshot, assignedTo: OpaqueId }),
  'channel.escalated': z.object({ channel: ChannelSnapshot, escalatedTo: OpaqueId.nullable(), reason: z.string(), automatic: z.boolean() }),
  'channel.resolved': z.object({ channel: ChannelSnapshot, resolution: z.string().nullable() }),
  'channel.reopened': z.object({ channel: ChannelSnapshot }),
  'channel.archived': z.object({ channel: ChannelSnapshot }),
  'message.created': z.object({ message: Message }),
  'message.updated': z.object({ message: Message }),
  'message.deleted': z.object({ message: Message }),
  'message.read': z.object({ channelId: Uuid, userId: OpaqueId, seq: Seq }),
  'message.reaction_changed': z.object({ channelId: Uuid, messageId: Uuid, reactions: z.record(z.string(), z.number().int()) }),
  'note.created': z.object({ note: Note }),
  // The channel's type, which the ticket itself does not show, for routing (platform staff hear
  // of PLATFORM_SUPPORT tickets). Optional: events published before it was carried lack it.
  'ticket.opened': z.object({ ticket: Ticket, channelType: ChannelType.optional() }),
  'ticket.updated': z.object({ ticket: Ticket, channelType: ChannelType.optional() }),
  'ticket.sla_breached': z.object({ ticketId: Uuid, channelId: Uuid, kind: SlaKind, dueAt: IsoTime }),
} as const;

export type EventType = keyof typeof EventData;
export const EVENT_TYPES = Object.keys(EventData) as EventType[];
export type EventDataOf<T extends EventType> = z.infer<(typeof EventData)[T]>;

export const Actor = z.object({ userId: OpaqueId, role: SenderType });
export type Actor = z.infer<typeof Actor>;

/** The system itself, as the actor of automatic changes (an SLA breach, a reopen). */
export const SYSTEM_ACTOR: Actor = { userId: 'system', role: 'SYSTEM' };

/** Who acts, in the events of what a caller does. */
export const actorOf = (principal: Principal): Actor => ({ userId: principal.userId, role: principal.role });

/** The `channel.*` events: each carries the channel's snapshot. */
export type ChannelEventType = Extract<EventType, `channel.${string}`>;
export const CHANNEL_EVENT_TYPES = EVENT_TYPES.filter((type): type is ChannelEventType => type.startsWith('channel.'));
export type ChannelEvent = EventEnvelope<ChannelEventType>;

export function isChannelEvent(event: EventEnvelope): event is ChannelEvent {
  return (CHANNEL_EVENT_TYPES as readonly string[]).includes(event.type);
}

export const EnvelopeBase = z.object({
  id: Uuid,
  type: z.enum(EVENT_TYPES as [EventType, ...EventType[]]),
  version: z.literal(1),
  tenantId: OpaqueId,
  occurredAt: IsoTime,
  actor: Actor,
  data: z.unknown(),
});

export type EventEnvelope<T extends EventType = EventType> = {
  [K in T]: {
    id: string;
    type: K;
    version: 1;
    tenantId: string;
    occurredAt: string;
    actor: Actor;
    data: EventDataOf<K>;
  };
}[T];

/** Validates an envelope and the data of its type; throws a ZodError naming what is wrong. */
export function parseEnvelope(raw: unknown): EventEnvelope {
  const base = EnvelopeBase.parse(raw);
  const data = EventData[base.type].parse(base.data);
  return { ...base, data } as EventEnvelope;
}

export function makeEnvelope<T extends EventType>(
  type: T,
  tenantId: string,
  actor: Actor,
  data: EventDataOf<T>,
): EventEnvelope<T> {
  return {
    id: crypto.randomUUID(),
    type,
    version: 1,
    tenantId,
    occurredAt: new Date().toISOString(),
    actor,
    data,
  } as EventEnvelope<T>;
}
