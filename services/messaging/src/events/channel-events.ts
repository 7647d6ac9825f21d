import { randomUUID } from 'node:crypto';
import { isChannelEvent, makeEnvelope, SYSTEM_ACTOR, type EventEnvelope } from '@chat/contracts';
import type { Database, TenantTx } from '@chat/database';
import type { ConsumerSpec } from '@chat/event-bus';
import { storyOf } from '../domain/system-messages.ts';
import { storeSnapshot } from '../store/channel-copies.ts';
import { insertMessage } from '../store/messages.ts';
import { toMessage } from '../store/rows.ts';

/** The inbox key of this service's consumer, and the name of its queue. */
export const CONSUMER = 'messaging';

/** The sender of what the system writes into a conversation. */
export const SYSTEM_SENDER = SYSTEM_ACTOR.userId;

/**
 * Keeps the channel copy and tells the story: every `channel.*` event carries the channel's
 * snapshot, stored when newer than the copy, and the changes worth telling become a SYSTEM
 * message in the same transaction. The inbox makes a repeated event a no-op; the system
 * message's key (the event id) would refuse a second one anyway.
 */
export function channelEventsConsumer(db: Database): ConsumerSpec {
  return {
    name: CONSUMER,
    patterns: ['channel.*'],
    async handle(event) {
      await db.handleOnce(CONSUMER, event, (tx) => applyChannelEvent(tx, event));
    },
  };
}

export async function applyChannelEvent(tx: TenantTx, event: EventEnvelope): Promise<void> {
  if (!isChannelEvent(event)) return;
  const { channel } = event.data;
  if (channel.tenantId !== event.tenantId) {
    throw new Error(`event ${event.id} of tenant ${event.tenantId} carries a channel of tenant ${channel.tenantId}`);
  }
  await storeSnapshot(tx, channel);

  const story = storyOf(event);
  if (!story) return;
  const outcome = await insertMessage(tx, {
    id: randomUUID(),
    tenantId: tx.tenantId,
    channelId: channel.id,
    senderId: SYSTEM_SENDER,
    senderType: 'SYSTEM',
    content: story.content,
    metadata: story.metadata,
    clientMessageId: `event:${event.id}`,
    marksRead: false,
  });
  if (outcome.kind === 'duplicate') {
    // Told already. Only a twin delivery racing this one draws a number; rolling back returns it.
    if (outcome.seqDrawn) throw new Error(`event ${event.id} was being told twice at once; retrying`);
    return;
  }
  const message = toMessage(outcome.row);
  await tx.publish(makeEnvelope('message.created', tx.tenantId, SYSTEM_ACTOR, { message }), channel.id);
}
