import { connect, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import type { EventEnvelope } from '@chat/contracts';
import type { Logger, Metrics } from '@chat/telemetry';
import { describeError, resolveConsumerSpec } from './delivery.ts';
import { busInstruments } from './instruments.ts';
import { startConsumer, type ConsumerRegistration, type RunningConsumer } from './rabbit/consumer.ts';
import { moveDeadLetters, peekDeadLetters } from './rabbit/dead-letters.ts';
import { eventMessage } from './rabbit/messages.ts';
import { ConfirmPublisher } from './rabbit/publisher.ts';
import { assertEventExchange, consumerQueueNames } from './rabbit/topology.ts';
import type { Consumer, ConsumerSpec, DeadLetter, EventBus } from './types.ts';

export const DEFAULT_EXCHANGE = 'chat.events';
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_PUBLISH_TIMEOUT_MS = 30_000;
const DEFAULT_DEAD_LETTER_LIMIT = 100;

export interface RabbitBusOptions {
  /** `amqp://user:password@host:port/vhost`; the vhost is honoured. */
  url: string;
  /** The topic exchange; every queue of this bus is named after it. Default `chat.events`. */
  exchange?: string;
  logger: Logger;
  metrics?: Metrics;
  /** How long the first connection may take before `createRabbitBus` gives up. Default 30 s. */
  connectTimeoutMs?: number;
  /** How long a publish waits for its confirms before rejecting. Default 30 s. */
  publishTimeoutMs?: number;
}

/** Publishing or an operator command was asked of a bus that has no connection right now. */
export class BusUnavailableError extends Error {
  override readonly name = 'BusUnavailableError';
}

/**
 * Everything that lives and dies with one AMQP connection. amqplib's recovering connection opens
 * a new one after a loss and calls `openSession` on it; channels, the publisher and the running
 * consumers are then made afresh from the registrations, which outlive connections.
 */
interface Session {
  model: ChannelModel;
  publisher: ConfirmPublisher;
  running: Map<ConsumerRegistration, RunningConsumer>;
  alive: boolean;
}

/**
 * An event bus on RabbitMQ: a durable topic exchange, publisher confirms, one quorum queue per
 * consumer with delayed retries through per-delay queues and a dead-letter queue. Reconnects by
 * itself; while disconnected, publishing rejects at once (the caller's outbox keeps the events).
 */
export async function createRabbitBus(options: RabbitBusOptions): Promise<EventBus> {
  const exchange = options.exchange || DEFAULT_EXCHANGE;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  const logger = options.logger.child({ component: 'event-bus', exchange });
  const instruments = busInstruments(options.metrics);
  const registrations = new Set<ConsumerRegistration>();
  let session: Session | undefined;
  let closing: Promise<void> | undefined;
  let lastConnectError: Error | undefined;

  function breakSession(broken: Session, reason: string): void {
    if (!broken.alive) return;
    broken.alive = false;
    if (session === broken) session = undefined;
    if (closing) return;
    logger.warn({ reason }, 'event bus connection lost: reconnecting');
    // Closing the connection makes amqplib's recovery open a new one and set everything up again.
    broken.model.close().catch(() => {});
  }

  function consumerDependencies(owner: Session) {
    return {
      exchange,
      publisher: owner.publisher,
      publishTimeoutMs,
      instruments,
      logger,
      onBroken: (reason: string) => breakSession(owner, reason),
    };
  }

  /** Runs on every (re)connection, before amqplib reports it connected. */
  async function openSession(model: ChannelModel): Promise<void> {
    if (closing) throw new Error('event bus is closing');
    const channel = await model.createConfirmChannel();
    channel.on('error', (error: Error) => logger.warn({ err: error }, 'publish channel error'));
    const next: Session = { model, publisher: new ConfirmPublisher(channel), running: new Map(), alive: true };
    channel.on('close', () => breakSession(next, 'publish channel closed'));
    model.once('close', () => breakSession(next, 'connection closed'));
    await assertEventExchange(channel, exchange);
    // Consumers registered or stopped while this runs are caught up before the session goes live.
    for (;;) {
      const toStart = [...registrations].filter((registration) => !next.running.has(registration));
      const toStop = [...next.running.keys()].filter((registration) => !registrations.has(registration));
      if (toStart.length === 0 && toStop.length === 0) break;
      for (const registration of toStart) {
        next.running.set(registration, await startConsumer(model, registration, consumerDependencies(next)));
      }
      for (const registration of toStop) {
        const running = next.running.get(registration);
        next.running.delete(registration);
        await running?.cancel();
        await running?.close();
      }
    }
    if (!next.alive) throw new Error('connection lost during setup');
    session = next;
  }

  const connection: RecoveringChannelModel = await connect(withDefaultHeartbeat(options.url), {
    timeout: connectTimeoutMs,
    recovery: { initialDelay: 200, maxDelay: 5_000, waitForConnect: false, setup: openSession },
  });
  connection.on('error', (error: Error) => logger.warn({ err: error }, 'event bus connection error'));
  connection.on('connect-failed', (error: Error) => {
    lastConnectError = error;
    logger.warn({ err: error }, 'event bus could not connect');
  });
  connection.on('connect', () => logger.info('event bus connected'));
  await waitForFirstConnection(connection, connectTimeoutMs, () => lastConnectError);

  function liveSession(): Session {
    if (closing) throw new BusUnavailableError('event bus is closed');
    if (!session?.alive) throw new BusUnavailableError('event bus is not connected to RabbitMQ');
    return session;
  }

  async function stopRegistration(registration: ConsumerRegistration): Promise<void> {
    registration.stopped = true;
    registrations.delete(registration);
    const owner = session;
    const running = owner?.running.get(registration);
    owner?.running.delete(registration);
    await running?.cancel();
    while (registration.inFlight.size > 0) await Promise.allSettled([...registration.inFlight]);
    await running?.close();
  }

  return {
    async publish(events: readonly EventEnvelope[]): Promise<void> {
      if (events.length === 0) return;
      try {
        await liveSession().publisher.publishAll(
          events.map((event) => eventMessage(exchange, event)),
          publishTimeoutMs,
        );
      } catch (error) {
        instruments.publishFailed(events.length);
        throw error;
      }
      for (const event of events) instruments.published(event.type);
    },

    async consume(spec: ConsumerSpec): Promise<Consumer> {
      if (closing) throw new BusUnavailableError('event bus is closed');
      const registration: ConsumerRegistration = { spec: resolveConsumerSpec(spec), inFlight: new Set(), stopped: false };
      registrations.add(registration);
      const owner = session;
      if (owner?.alive) {
        try {
          owner.running.set(registration, await startConsumer(owner.model, registration, consumerDependencies(owner)));
        } catch (error) {
          // With the connection still up, the broker refused the consumer (its queues exist with
          // other arguments, say): that is the caller's to fix. Otherwise the next connection starts it.
          if (owner.alive) {
            registrations.delete(registration);
            throw error;
          }
          logger.warn({ consumer: spec.name, err: error }, 'consumer will start on reconnection');
        }
      }
      let stopping: Promise<void> | undefined;
      return { stop: () => (stopping ??= stopRegistration(registration)) };
    },

    isReady(): boolean {
      return !closing && session?.alive === true;
    },

    async listDeadLetters(consumer: string, limit = DEFAULT_DEAD_LETTER_LIMIT): Promise<DeadLetter[]> {
      const names = consumerQueueNames(exchange, consumer, 0);
      return peekDeadLetters(liveSession().model, names.deadLetter, consumer, limit);
    },

    async replayDeadLetters(consumer: string): Promise<number> {
      const names = consumerQueueNames(exchange, consumer, 0);
      const moved = await moveDeadLetters(liveSession().model, names.deadLetter, names.main, publishTimeoutMs);
      logger.info({ consumer, moved }, 'dead letters replayed');
      return moved;
    },

    close(): Promise<void> {
      closing ??= (async () => {
        await Promise.allSettled([...registrations].map((registration) => stopRegistration(registration)));
        session = undefined;
        await connection.close();
      })();
      return closing;
    },
  };
}

async function waitForFirstConnection(connection: RecoveringChannelModel, timeoutMs: number, lastError: () => Error | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const cause = lastError();
      reject(new BusUnavailableError(`RabbitMQ not reachable within ${timeoutMs} ms${cause ? `: ${describeError(cause)}` : ''}`, { cause }));
    }, timeoutMs);
  });
  try {
    await Promise.race([connection.waitForConnect(), timedOut]);
  } catch (error) {
    await connection.close().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A broker that vanishes without closing the socket (a cut cable, a frozen host) is noticed only
 * by missed heartbeats; the server's default of 60 s would keep a dead bus "ready" far too long.
 * A heartbeat named in the URL wins.
 */
function withDefaultHeartbeat(url: string, seconds = 5): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.toString();
}
