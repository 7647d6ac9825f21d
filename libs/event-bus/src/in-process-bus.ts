import type { EventEnvelope } from '@chat/contracts';
import type { Logger, Metrics } from '@chat/telemetry';
import { bodyAsEvent, resolveConsumerSpec, runDelivery, type ResolvedConsumerSpec, type Settlement } from './delivery.ts';
import { busInstruments } from './instruments.ts';
import { topicMatches } from './topic-pattern.ts';
import type { Consumer, ConsumerSpec, DeadLetter, EventBus } from './types.ts';

export interface InProcessBusOptions {
  logger: Logger;
  metrics?: Metrics;
}

export class UnroutableEventError extends Error {
  override readonly name = 'UnroutableEventError';
}

const DEFAULT_DEAD_LETTER_LIMIT = 100;

/** A message waiting in a queue; the body is kept as JSON so that handlers never share objects. */
interface Queued {
  body: string;
  attempt: number;
}

interface StoredDeadLetter {
  body: string;
  error: string;
  deadAt: string;
}

interface LocalConsumer {
  spec: ResolvedConsumerSpec;
  inFlight: Set<Promise<void>>;
  active: boolean;
}

/** The in-memory counterpart of a consumer's main queue, its retry queues and its dead letters. */
interface LocalQueue {
  name: string;
  retryDelaysMs: readonly number[];
  deliveryLimit: number;
  patterns: Set<string>;
  ready: Queued[];
  dead: StoredDeadLetter[];
  consumers: LocalConsumer[];
  /** Round-robin position among the consumers, as the broker spreads deliveries. */
  nextConsumer: number;
  dispatchScheduled: boolean;
}

/**
 * The event bus of the one-process run, with the RabbitMQ bus's semantics: topic patterns, one
 * queue per consumer name shared by competing handlers, delivery after `publish` resolves, FIFO
 * with at most `prefetch` in flight per handler, delayed retries, then dead letters that can be
 * listed and replayed. Nothing here survives the process: an event is handed over (and its outbox
 * row marked) when it is queued, so one queued or waiting for a retry when the process ends is
 * lost to its consumers. That is the one-process run's trade; the RabbitMQ bus keeps them.
 */
export function createInProcessBus(options: InProcessBusOptions): EventBus {
  const logger = options.logger.child({ component: 'event-bus', transport: 'in-process' });
  const instruments = busInstruments(options.metrics);
  const queues = new Map<string, LocalQueue>();
  const retryTimers = new Set<NodeJS.Timeout>();
  let closed = false;
  let closing: Promise<void> | undefined;

  function scheduleDispatch(queue: LocalQueue): void {
    if (queue.dispatchScheduled || closed) return;
    queue.dispatchScheduled = true;
    setImmediate(() => {
      queue.dispatchScheduled = false;
      dispatch(queue);
    });
  }

  function dispatch(queue: LocalQueue): void {
    while (!closed && queue.ready.length > 0) {
      const consumer = takeFreeConsumer(queue);
      if (!consumer) return;
      deliver(queue, consumer, queue.ready.shift() as Queued);
    }
  }

  function takeFreeConsumer(queue: LocalQueue): LocalConsumer | undefined {
    const count = queue.consumers.length;
    for (let offset = 0; offset < count; offset++) {
      const index = (queue.nextConsumer + offset) % count;
      const consumer = queue.consumers[index];
      if (consumer && consumer.active && consumer.inFlight.size < consumer.spec.prefetch) {
        queue.nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  function deliver(queue: LocalQueue, consumer: LocalConsumer, message: Queued): void {
    const handling = runDelivery(consumer.spec, message.body, { attempt: message.attempt, redelivered: false }, instruments, logger).then(
      (settlement) => settle(queue, message, settlement),
    );
    consumer.inFlight.add(handling);
    void handling.finally(() => {
      consumer.inFlight.delete(handling);
      scheduleDispatch(queue);
    });
  }

  function settle(queue: LocalQueue, message: Queued, settlement: Settlement): void {
    if (settlement.kind === 'ack') return;
    if (closed) {
      logger.warn({ queue: queue.name }, 'bus closed: a failed event is dropped');
      return;
    }
    if (settlement.kind === 'retry') {
      // Like a retry queue dead-lettering back: the event rejoins the tail of its queue.
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        queue.ready.push({ body: message.body, attempt: settlement.nextAttempt });
        scheduleDispatch(queue);
      }, settlement.delayMs);
      retryTimers.add(timer);
      return;
    }
    queue.dead.push({ body: message.body, error: settlement.error, deadAt: new Date().toISOString() });
  }

  function declareQueue(spec: ResolvedConsumerSpec): LocalQueue {
    const existing = queues.get(spec.name);
    if (existing) {
      // The broker refuses to redeclare a queue with other arguments; so does this bus.
      if (existing.deliveryLimit !== spec.deliveryLimit || existing.retryDelaysMs.join() !== spec.retryDelaysMs.join()) {
        throw new Error(`consumer ${spec.name} is already declared with other retry delays or delivery limit`);
      }
      return existing;
    }
    const queue: LocalQueue = {
      name: spec.name,
      retryDelaysMs: spec.retryDelaysMs,
      deliveryLimit: spec.deliveryLimit,
      patterns: new Set(),
      ready: [],
      dead: [],
      consumers: [],
      nextConsumer: 0,
      dispatchScheduled: false,
    };
    queues.set(spec.name, queue);
    return queue;
  }

  async function stopConsumer(queue: LocalQueue, consumer: LocalConsumer): Promise<void> {
    consumer.active = false;
    const index = queue.consumers.indexOf(consumer);
    if (index >= 0) queue.consumers.splice(index, 1);
    while (consumer.inFlight.size > 0) await Promise.allSettled([...consumer.inFlight]);
  }

  return {
    async publish(events: readonly EventEnvelope[]): Promise<void> {
      if (closed) throw new Error('event bus is closed');
      const routed = events.map((event) => ({ event, targets: [...queues.values()].filter((queue) => routes(queue, event.type)) }));
      // The RabbitMQ bus publishes with `mandatory`: an event no queue takes is a failed publish.
      const unroutable = routed.filter(({ targets }) => targets.length === 0);
      if (unroutable.length > 0) {
        instruments.publishFailed(events.length);
        throw new UnroutableEventError(`no queue is bound for ${unroutable.map(({ event }) => event.type).join(', ')}`);
      }
      for (const { event, targets } of routed) {
        const body = JSON.stringify(event);
        for (const queue of targets) {
          queue.ready.push({ body, attempt: 1 });
          scheduleDispatch(queue);
        }
        instruments.published(event.type);
      }
    },

    async consume(spec: ConsumerSpec): Promise<Consumer> {
      if (closed) throw new Error('event bus is closed');
      const resolved = resolveConsumerSpec(spec);
      const queue = declareQueue(resolved);
      for (const pattern of resolved.patterns) queue.patterns.add(pattern);
      const consumer: LocalConsumer = { spec: resolved, inFlight: new Set(), active: true };
      queue.consumers.push(consumer);
      scheduleDispatch(queue);
      let stopping: Promise<void> | undefined;
      return { stop: () => (stopping ??= stopConsumer(queue, consumer)) };
    },

    isReady(): boolean {
      return !closed;
    },

    async listDeadLetters(consumer: string, limit = DEFAULT_DEAD_LETTER_LIMIT): Promise<DeadLetter[]> {
      const dead = queues.get(consumer)?.dead ?? [];
      return dead.slice(0, limit).map((letter) => ({ event: bodyAsEvent(letter.body), error: letter.error, consumer, deadAt: letter.deadAt }));
    },

    async replayDeadLetters(consumer: string): Promise<number> {
      const queue = queues.get(consumer);
      if (!queue) return 0;
      const letters = queue.dead.splice(0);
      for (const letter of letters) queue.ready.push({ body: letter.body, attempt: 1 });
      scheduleDispatch(queue);
      logger.info({ consumer, moved: letters.length }, 'dead letters replayed');
      return letters.length;
    },

    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        for (const timer of retryTimers) clearTimeout(timer);
        const pendingRetries = retryTimers.size;
        retryTimers.clear();
        await Promise.all([...queues.values()].flatMap((queue) => [...queue.consumers].map((consumer) => stopConsumer(queue, consumer))));
        const undelivered = [...queues.values()].reduce((sum, queue) => sum + queue.ready.length, 0);
        if (undelivered + pendingRetries > 0) logger.warn({ undelivered, pendingRetries }, 'in-process bus closed with events not yet handled');
      })();
      return closing;
    },
  };
}

function routes(queue: LocalQueue, routingKey: string): boolean {
  for (const pattern of queue.patterns) if (topicMatches(pattern, routingKey)) return true;
  return false;
}
