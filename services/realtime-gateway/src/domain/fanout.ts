import type { ChannelSnapshot, EventEnvelope, ServerEventName, ServerToClientEvents, Ticket } from '@chat/contracts';
import { rooms } from './rooms.ts';

/** One socket event and the rooms it goes to; a socket in several of them gets it once. */
export type Delivery = {
  [E in ServerEventName]: { event: E; rooms: string[]; payload: Parameters<ServerToClientEvents[E]>[0] };
}[ServerEventName];

/**
 * Turns a domain event into the socket events of API.md and their audiences. Pure: it names rooms,
 * it does not emit. `ticket.sla_breached` has no socket counterpart; the gateway also acts on
 * membership changes for the rooms themselves (see `ChannelRooms`).
 */
export function deliveriesFor(envelope: EventEnvelope): Delivery[] {
  switch (envelope.type) {
    case 'message.created': {
      const { message } = envelope.data;
      return [{ event: 'new_message', rooms: [channelRoom(message.tenantId, message.channelId)], payload: { channelId: message.channelId, message } }];
    }
    case 'message.updated': {
      const { message } = envelope.data;
      return [{ event: 'message_updated', rooms: [channelRoom(message.tenantId, message.channelId)], payload: { channelId: message.channelId, message } }];
    }
    case 'message.deleted': {
      const { message } = envelope.data;
      return [
        {
          event: 'message_deleted',
          rooms: [channelRoom(message.tenantId, message.channelId)],
          payload: { channelId: message.channelId, messageId: message.id, seq: message.seq },
        },
      ];
    }
    case 'message.read': {
      const { channelId, userId, seq } = envelope.data;
      return [{ event: 'message_read', rooms: [channelRoom(envelope.tenantId, channelId)], payload: { channelId, userId, seq } }];
    }
    case 'message.reaction_changed': {
      const { channelId, messageId, reactions } = envelope.data;
      return [{ event: 'reaction_changed', rooms: [channelRoom(envelope.tenantId, channelId)], payload: { channelId, messageId, reactions } }];
    }
    case 'note.created': {
      const { note } = envelope.data;
      // The staff sub-room only: a participant's socket is never in it.
      return [{ event: 'note_created', rooms: [rooms.channelStaff(note.tenantId, note.channelId)], payload: { channelId: note.channelId, note } }];
    }
    case 'channel.assigned': {
      const { channel, assignedTo } = envelope.data;
      return [
        {
          event: 'channel_assigned',
          rooms: [channelRoom(channel.tenantId, channel.id), rooms.user(channel.tenantId, assignedTo)],
          payload: { channelId: channel.id, assignedTo },
        },
      ];
    }
    case 'channel.escalated': {
      const { channel, escalatedTo, reason } = envelope.data;
      const escalation = [channelRoom(channel.tenantId, channel.id), rooms.superAdmins];
      if (escalatedTo !== null) escalation.push(rooms.platformUser(escalatedTo));
      return [
        { event: 'channel_escalated', rooms: escalation, payload: { channelId: channel.id, tenantId: channel.tenantId, escalatedTo, reason } },
        statusChanged(channel),
      ];
    }
    case 'channel.resolved':
    case 'channel.reopened':
    case 'channel.archived':
      return [statusChanged(envelope.data.channel)];
    case 'ticket.opened':
    case 'ticket.updated':
      return [{ event: 'ticket_changed', rooms: ticketAudience(envelope.data.ticket, envelope.data.channelType === 'PLATFORM_SUPPORT'), payload: { ticket: envelope.data.ticket } }];
    case 'channel.created': {
      const { channel } = envelope.data;
      return [{ event: 'channel_joined', rooms: participantRooms(channel), payload: { channelId: channel.id, tenantId: channel.tenantId } }];
    }
    case 'channel.participant_added': {
      const { channel, userId } = envelope.data;
      const added = participantRooms({ ...channel, participants: channel.participants.filter((participant) => participant.userId === userId) });
      return [{ event: 'channel_joined', rooms: added, payload: { channelId: channel.id, tenantId: channel.tenantId } }];
    }
    case 'channel.participant_removed': {
      // Told in the tenant's own room only: who the removed user was (platform staff or not) the
      // event no longer says, and no other tenant's socket may hear of the channel.
      const { channel, userId } = envelope.data;
      return [{ event: 'channel_left', rooms: [rooms.user(channel.tenantId, userId)], payload: { channelId: channel.id, tenantId: channel.tenantId } }];
    }
    case 'ticket.sla_breached':
      return [];
  }
}

function channelRoom(tenantId: string, channelId: string): string {
  return rooms.channel(tenantId, channelId);
}

function statusChanged(channel: ChannelSnapshot): Delivery {
  return {
    event: 'channel_status_changed',
    rooms: [channelRoom(channel.tenantId, channel.id), ...participantRooms(channel)],
    payload: { channelId: channel.id, status: channel.status },
  };
}

/**
 * Each participant's own room. Platform staff take part in a tenant's channel only through an
 * escalation, and their sockets are in their platform room, not in one of the tenant's.
 */
export function participantRooms(channel: ChannelSnapshot): string[] {
  return channel.participants.map((participant) =>
    participant.role === 'SUPER_ADMIN' || participant.userId === channel.escalatedTo
      ? rooms.platformUser(participant.userId)
      : rooms.user(channel.tenantId, participant.userId),
  );
}

/** Tenant staff and the ticket's creator; platform staff for escalated and platform tickets. */
export function ticketAudience(ticket: Ticket, platformChannel: boolean): string[] {
  const audience = [rooms.tenantStaff(ticket.tenantId), rooms.user(ticket.tenantId, ticket.createdBy)];
  if (ticket.status === 'ESCALATED' || platformChannel) audience.push(rooms.superAdmins);
  if (ticket.escalatedTo !== null) audience.push(rooms.platformUser(ticket.escalatedTo));
  return audience;
}
