import type { EventEnvelope, Message } from '@chat/contracts';
import type { ConsumerSpec } from '@chat/event-bus';
import type { Database, TenantTx } from '@chat/database';
import type { ChannelChanges } from '../domain/channel-changes.ts';

/** The inbox key of this service's consumer, and its queue's name. */
export const CONSUMER = 'channels';

const SLA_NAMES = { FIRST_RESPONSE: 'first response', RESOLUTION: 'resolution' } as const;

/**
 * What channels reacts to: an SLA breach escalates the channel; a message moves its activity and
 * a participant's message reopens it when resolved. Each event is applied once (the inbox).
 */
export function channelsConsumer(db: Database, changes: ChannelChanges): ConsumerSpec {
  const escalate = (tx: TenantTx, event: EventEnvelope<'ticket.sla_breached'>) => {
    const { channelId, kind, dueAt } = event.data;
    return changes.escalateForBreach(tx, channelId, `SLA breached: ${SLA_NAMES[kind]} was due at ${dueAt}`);
  };
  return {
    name: CONSUMER,
    patterns: ['ticket.sla_breached', 'message.created'],
    async handle(event) {
      if (event.type === 'ticket.sla_breached') {
        await db.handleOnce(CONSUMER, event, (tx) => escalate(tx, event));
      } else if (event.type === 'message.created') {
        await db.handleOnce(CONSUMER, event, (tx) => changes.noteMessage(tx, event.data.message));
      }
    },
    // Busy channels: one transaction per batch, and runs of messages noted together. A breach
    // ends a run, so that each event still meets the channel as the ones before it left it.
    async handleBatch(events) {
      await db.handleAllOnce(CONSUMER, events, async (tx, ofTenant) => {
        let run: Message[] = [];
        const noteRun = async () => {
          if (run.length > 0) await changes.noteMessages(tx, run);
          run = [];
        };
        for (const event of ofTenant) {
          if (event.type === 'message.created') {
            run.push(event.data.message);
          } else if (event.type === 'ticket.sla_breached') {
            await noteRun();
            await escalate(tx, event);
          }
        }
        await noteRun();
      });
    },
  };
}
