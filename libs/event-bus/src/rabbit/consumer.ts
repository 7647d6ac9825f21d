import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from '@chat/telemetry';
import type { EventEnvelope } from '@chat/contracts';
import { envelopeOf, runBatch, runDelivery, type ResolvedConsumerSpec, type Settlement } from '../delivery.ts';
import type { BusInstruments } from '../instruments.ts';
import type { ConfirmPublisher, OutgoingMessage } from './publisher.ts';
import { ATTEMPT_HEADER, DEAD_AT_HEADER, ERROR_HEADER, forward } from './messages.ts';
import { assertConsumerQueues, type ConsumerQueueNames } from './topology.ts';

/** One `consume` call: it outlives connections, and each connection runs it on a channel of its own. */
export interface ConsumerRegistration {
  spec: ResolvedConsumerSpec;
  /** Deliveries being handled, whatever connection they came on. */
  inFlight: Set<Promise<void>>;
  stopped: boolean;
}

export interface ConsumerDependencies {
  exchange: string;
  publisher: ConfirmPublisher;
  publishTimeoutMs: number;
  instruments: BusInstruments;
  logger: Logger;
  /** The channel failed under a running consumer: the connection must be set up again. */
  onBroken(reason: string): void;
}

/** A registration running on one connection's channel. */
export interface RunningConsumer {
  /** Stops new deliveries (basic.cancel); those in hand go on. */
  cancel(): Promise<void>;
  close(): Promise<void>;
}

export async function startConsumer(
  model: ChannelModel,
  registration: ConsumerRegistration,
  dependencies: ConsumerDependencies,
): Promise<RunningConsumer> {
  const { spec } = registration;
  const logger = dependencies.logger.child({ consumer: spec.name });
  const channel = await model.createChannel();
  let running = false;
  let closing = false;
  channel.on('error', (error: Error) => logger.warn({ err: error }, 'consumer channel error'));
  channel.on('close', () => {
    if (running && !closing) dependencies.onBroken(`channel of consumer ${spec.name} closed`);
  });

  const take = spec.handleBatch
    ? batching((messages) => handleBatch(channel, messages, names, registration, dependencies, logger), spec.prefetch)
    : (message: ConsumeMessage) => handleDelivery(channel, message, names, registration, dependencies, logger);

  let consumerTag: string;
  let names: ConsumerQueueNames;
  try {
    await channel.prefetch(spec.prefetch);
    names = await assertConsumerQueues(channel, dependencies.exchange, spec);
    ({ consumerTag } = await channel.consume(
      names.main,
      (message) => {
        if (message === null) {
          // The broker cancelled the consumer: its queue was deleted or its node went away.
          if (!closing) dependencies.onBroken(`consumer ${spec.name} cancelled by the broker`);
          return;
        }
        if (registration.stopped) {
          // Arrived between a stop and its cancel: the broker gives it to another consumer.
          settleOnChannel(channel, message, 'requeue', logger);
          return;
        }
        const handling = take(message);
        if (!handling) return;
        registration.inFlight.add(handling);
        void handling.finally(() => registration.inFlight.delete(handling));
      },
      { noAck: false },
    ));
  } catch (error) {
    closing = true;
    await channel.close().catch(() => {});
    throw error;
  }
  running = true;

  return {
    async cancel() {
      closing = true;
      await channel.cancel(consumerTag).catch((error: unknown) => logger.debug({ err: error }, 'cancel on a lost channel'));
    },
    async close() {
      closing = true;
      await channel.close().catch(() => {});
    },
  };
}

async function handleDelivery(
  channel: Channel,
  message: ConsumeMessage,
  names: ConsumerQueueNames,
  registration: ConsumerRegistration,
  dependencies: ConsumerDependencies,
  logger: Logger,
  event?: EventEnvelope,
): Promise<void> {
  const { spec } = registration;
  const attempt = attemptOf(message);
  const settlement = await runDelivery(
    spec,
    event ?? message.content.toString('utf8'),
    { attempt, redelivered: message.fields.redelivered },
    dependencies.instruments,
    logger,
  );
  const onward = onwardMessage(message, names, attempt, settlement);
  if (onward) {
    try {
      await dependencies.publisher.publishAll([onward], dependencies.publishTimeoutMs);
    } catch (error) {
      // Not moved, so not acked either: the broker delivers it again (counting towards the
      // delivery limit), and the handler gets another go.
      logger.warn({ err: error, attempt, queue: onward.routingKey }, 'could not move a failed event: requeued');
      dependencies.instruments.consumed(spec.name, 'requeued');
      settleOnChannel(channel, message, 'requeue', logger);
      return;
    }
  }
  settleOnChannel(channel, message, 'ack', logger);
}

/**
 * Collects deliveries while a batch is being handled and hands them over together when it is done:
 * no waiting when idle, batches as large as the backlog (up to `max`) when busy. Answers the
 * promise of the drain a delivery started, if it started one.
 */
function batching(handle: (messages: ConsumeMessage[]) => Promise<void>, max: number): (message: ConsumeMessage) => Promise<void> | undefined {
  const waiting: ConsumeMessage[] = [];
  let draining = false;
  const drain = async () => {
    try {
      while (waiting.length > 0) await handle(waiting.splice(0, max));
    } finally {
      draining = false;
    }
  };
  return (message) => {
    waiting.push(message);
    if (draining) return undefined;
    draining = true;
    return drain();
  };
}

/**
 * First deliveries that are valid envelopes go to `handleBatch` together; the rest (retries,
 * refused bodies), a lone event, or all of them when the batch throws, go one by one as ever.
 */
async function handleBatch(
  channel: Channel,
  messages: ConsumeMessage[],
  names: ConsumerQueueNames,
  registration: ConsumerRegistration,
  dependencies: ConsumerDependencies,
  logger: Logger,
): Promise<void> {
  const batch: Array<{ message: ConsumeMessage; event: EventEnvelope }> = [];
  const alone: ConsumeMessage[] = [];
  for (const message of messages) {
    const event = attemptOf(message) === 1 ? envelopeOf(message.content.toString('utf8')) : undefined;
    if (event) batch.push({ message, event });
    else alone.push(message);
  }
  if (batch.length > 1 && (await runBatch(registration.spec, batch.map((item) => item.event), dependencies.instruments, logger))) {
    await Promise.all(alone.map((message) => handleDelivery(channel, message, names, registration, dependencies, logger)));
    // One ack for the whole batch: every earlier delivery of this channel is settled by now
    // (batches run one after another, and the rest of this one just settled above).
    const last = batch.reduce((latest, item) => (item.message.fields.deliveryTag > latest.fields.deliveryTag ? item.message : latest), batch[0]!.message);
    settleOnChannel(channel, last, 'ack-all', logger);
    return;
  }
  // Each on its own, those of the batch without reading their bodies again.
  await Promise.all([
    ...batch.map((item) => handleDelivery(channel, item.message, names, registration, dependencies, logger, item.event)),
    ...alone.map((message) => handleDelivery(channel, message, names, registration, dependencies, logger)),
  ]);
}

/** Where a delivery goes next when its handler did not take it: a retry queue or the dead letters. */
function onwardMessage(message: ConsumeMessage, names: ConsumerQueueNames, attempt: number, settlement: Settlement): OutgoingMessage | null {
  switch (settlement.kind) {
    case 'ack':
      return null;
    case 'retry': {
      const queue = names.retries[settlement.retry - 1];
      // Retry delays longer than the queues declared (a changed spec on a live queue) end in the dead letters.
      if (queue !== undefined) return forward(message, queue, { [ATTEMPT_HEADER]: settlement.nextAttempt });
      return forward(message, names.deadLetter, deadLetterHeaders(attempt, settlement.error));
    }
    case 'dead-letter':
      return forward(message, names.deadLetter, deadLetterHeaders(attempt, settlement.error));
  }
}

function deadLetterHeaders(attempt: number, error: string): Record<string, unknown> {
  return { [ATTEMPT_HEADER]: attempt, [ERROR_HEADER]: error, [DEAD_AT_HEADER]: new Date().toISOString() };
}

function attemptOf(message: ConsumeMessage): number {
  const attempt: unknown = message.properties.headers?.[ATTEMPT_HEADER];
  return typeof attempt === 'number' && Number.isInteger(attempt) && attempt >= 1 ? attempt : 1;
}

/** `ack-all` acks this delivery and every earlier one of the channel still unsettled. */
function settleOnChannel(channel: Channel, message: ConsumeMessage, how: 'ack' | 'ack-all' | 'requeue', logger: Logger): void {
  try {
    if (how === 'ack') channel.ack(message);
    else if (how === 'ack-all') channel.ack(message, true);
    else channel.nack(message, false, true);
  } catch (error) {
    // The channel went with its connection; the broker delivers the message again.
    logger.debug({ err: error }, 'delivery settled on a lost channel: it will be delivered again');
  }
}
