import type { ConsumerSpec } from '@chat/event-bus';
import type { Database } from '@chat/database';
import type { ChannelChanges } from '../domain/channel-changes.ts';

/** The inbox key of this service's consumer, and its queue's name. */
export const CONSUMER = 'channels';

const SLA_NAMES = { FIRST_RESPONSE: 'first response', RESOLUTION: 'resolution' } as const;

/**
 * What channels reacts to: an SLA breach escalates the channel; a message moves its activity and
 * a participant's message reopens it when resolved. Each event is applied once (the inbox).
 */
export function channelsConsumer(db: Database, changes: ChannelChanges): ConsumerSpec {
  return {
    name: CONSUMER,
    patterns: ['ticket.sla_breached', 'message.created'],
    async handle(event) {
      if (event.type === 'ticket.sla_breached') {
        const { channelId, kind, dueAt } = event.data;
        const reason = `SLA breached: ${SLA_NAMES[kind]} was due at ${dueAt}`;
        await db.handleOnce(CONSUMER, event, (tx) => changes.escalateForBreach(tx, channelId, reason));
      } else if (event.type === 'message.created') {
        await db.handleOnce(CONSUMER, event, (tx) => changes.noteMessage(tx, event.data.message));
      }
    },
  };
}
