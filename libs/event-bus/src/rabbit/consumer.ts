import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from '@chat/telemetry';
import { runDelivery, type ResolvedConsumerSpec, type Settlement } from '../delivery.ts';
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

  let consumerTag: string;
  try {
    await channel.prefetch(spec.prefetch);
    const names = await assertConsumerQueues(channel, dependencies.exchange, spec);
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
        const handling = handleDelivery(channel, message, names, registration, dependencies, logger);
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
): Promise<void> {
  const { spec } = registration;
  const attempt = attemptOf(message);
  const settlement = await runDelivery(
    spec,
    message.content.toString('utf8'),
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

function settleOnChannel(channel: Channel, message: ConsumeMessage, how: 'ack' | 'requeue', logger: Logger): void {
  try {
    if (how === 'ack') channel.ack(message);
    else channel.nack(message, false, true);
  } catch (error) {
    // The channel went with its connection; the broker delivers the message again.
    logger.debug({ err: error }, 'delivery settled on a lost channel: it will be delivered again');
  }
}
