import type { Channel } from 'amqplib';
import type { ResolvedConsumerSpec } from '../delivery.ts';

/**
 * Every queue of a consumer starts with the exchange's name, so that two systems sharing one
 * broker (or one vhost) never touch each other's queues.
 */
export interface ConsumerQueueNames {
  main: string;
  /** One per retry delay: `retries[0]` holds the messages waiting for their second attempt. */
  retries: string[];
  deadLetter: string;
}

export function consumerQueueNames(exchange: string, consumer: string, retryCount: number): ConsumerQueueNames {
  const main = `${exchange}.${consumer}`;
  return {
    main,
    retries: Array.from({ length: retryCount }, (_, index) => `${main}.retry.${index + 1}`),
    deadLetter: `${main}.dlq`,
  };
}

export async function assertEventExchange(channel: Channel, exchange: string): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
}

/**
 * Dead-lettering that the broker does itself (a retry delay running out, a delivery limit reached)
 * is at-least-once: the source queue keeps the message until the target confirms it, which
 * RabbitMQ only allows on quorum queues that refuse publishes rather than drop when full.
 */
function deadLetterTo(queue: string): Record<string, unknown> {
  return {
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': queue,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

/**
 * Declares a consumer's queues and binds its main queue to the exchange. Arguments must stay the
 * same from one start to the next: changing the retry delays or the delivery limit of an existing
 * consumer means deleting its retry queues (or main queue) first, or the broker refuses them.
 */
export async function assertConsumerQueues(channel: Channel, exchange: string, spec: ResolvedConsumerSpec): Promise<ConsumerQueueNames> {
  const names = consumerQueueNames(exchange, spec.name, spec.retryDelaysMs.length);
  // A classic queue, not a quorum one: listing dead letters takes them and hands them back, which
  // a quorum queue would count as deliveries (and drop past its delivery limit), while a classic
  // queue puts them back in their place, unchanged.
  await channel.assertQueue(names.deadLetter, { durable: true });
  await channel.assertQueue(names.main, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': spec.deliveryLimit, ...deadLetterTo(names.deadLetter) },
  });
  for (const [index, queue] of names.retries.entries()) {
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-message-ttl': spec.retryDelaysMs[index], ...deadLetterTo(names.main) },
    });
  }
  for (const pattern of spec.patterns) await channel.bindQueue(names.main, exchange, pattern);
  return names;
}
