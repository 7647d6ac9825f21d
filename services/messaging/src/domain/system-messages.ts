import type { EventEnvelope } from '@chat/contracts';

export interface SystemStory {
  content: string;
  metadata: Record<string, unknown>;
}

/**
 * What the conversation says about a change of its channel, so that its history tells the whole
 * story; null for changes it does not narrate (creation, who joined or left).
 */
export function storyOf(event: EventEnvelope): SystemStory | null {
  const about = { event: event.type, actorId: event.actor.userId, actorRole: event.actor.role };
  switch (event.type) {
    case 'channel.assigned':
      return { content: `Assigned to ${event.data.assignedTo}`, metadata: { ...about, assignedTo: event.data.assignedTo } };
    case 'channel.escalated': {
      const { escalatedTo, reason, automatic } = event.data;
      const target = escalatedTo ? ` (to ${escalatedTo})` : '';
      const how = automatic ? 'Escalated automatically' : 'Escalated to platform support';
      return { content: `${how}${target}: ${reason}`, metadata: { ...about, escalatedTo, reason, automatic } };
    }
    case 'channel.resolved': {
      const { resolution } = event.data;
      return { content: resolution ? `Resolved: ${resolution}` : 'Resolved', metadata: { ...about, resolution } };
    }
    case 'channel.reopened':
      return { content: 'Reopened', metadata: about };
    case 'channel.archived':
      return { content: 'Archived', metadata: about };
    default:
      return null;
  }
}
