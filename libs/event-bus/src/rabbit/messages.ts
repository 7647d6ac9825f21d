import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@chat/contracts';
import type { MessageProperties, Options } from 'amqplib';
import type { OutgoingMessage } from './publisher.ts';

/** Headers the bus sets on the messages it moves between a consumer's queues. */
export const ATTEMPT_HEADER = 'x-attempt';
export const ERROR_HEADER = 'x-error';
export const DEAD_AT_HEADER = 'x-dead-at';

/**
 * A copy of a delivery for another queue, through the default exchange. Headers start afresh so
 * that the broker's `x-death` history does not grow with every round through a retry queue.
 */
export function forward(message: { content: Buffer; properties: MessageProperties }, queue: string, headers: Record<string, unknown>): OutgoingMessage {
  const { properties } = message;
  const options: Options.Publish & { messageId: string } = {
    persistent: true,
    messageId: typeof properties.messageId === 'string' && properties.messageId !== '' ? properties.messageId : randomUUID(),
    contentType: properties.contentType ?? 'application/json',
    headers,
  };
  if (properties.type !== undefined) options.type = properties.type;
  if (properties.timestamp !== undefined) options.timestamp = properties.timestamp;
  return { exchange: '', routingKey: queue, content: message.content, options };
}


/** An event as published: persistent JSON, routed by its type, identified by its id. */
export function eventMessage(exchange: string, event: EventEnvelope): OutgoingMessage {
  return {
    exchange,
    routingKey: event.type,
    content: Buffer.from(JSON.stringify(event)),
    options: {
      persistent: true,
      messageId: event.id,
      type: event.type,
      contentType: 'application/json',
      timestamp: Math.floor(Date.now() / 1_000),
    },
  };
}
