import type { EventEnvelope } from '@chat/contracts';

/** How a delivery is being tried: the first time is attempt 1. */
export interface DeliveryInfo {
  attempt: number;
  redelivered: boolean;
}

export interface ConsumerSpec {
  /**
   * The consuming service, e.g. `messaging`. Its durable queue is `${exchange}.${name}`; every
   * process that consumes with the same name shares that queue (competing consumers).
   */
  name: string;
  /** Routing-key patterns bound to the queue, e.g. `['channel.*', 'message.created']`. */
  patterns: string[];
  /**
   * Handles one event. Resolving acks it; throwing retries it after the next delay of
   * `retryDelaysMs`, and once they are used up the event goes to the dead-letter queue.
   */
  handle(event: EventEnvelope, delivery: DeliveryInfo): Promise<void>;
  /**
   * Optional: handles several first deliveries at once, all or nothing (one transaction, say).
   * The bus hands over what arrived while the previous batch was being handled, up to `prefetch`,
   * so a quiet consumer still takes each event as it comes and a busy one pays once per batch.
   * Throwing is no failure of the events: each then goes to `handle` alone, where retries and
   * dead letters work per event as ever. Must mean exactly what `handle` on each, in order, means.
   */
  handleBatch?(events: EventEnvelope[]): Promise<void>;
  /** Deliveries in flight at once for this process. Default 32. */
  prefetch?: number;
  /** Back-off before each retry. Default [500, 2_000, 8_000]: four attempts in all. */
  retryDelaysMs?: number[];
  /**
   * How often one message may come back unsettled (its process died or lost the connection while
   * holding it) before the broker dead-letters it: the last resort against a message that crashes
   * the process every time. Default 10. Handler errors do not count here: they use the retries.
   */
  deliveryLimit?: number;
}

export interface Consumer {
  /** Stops taking new deliveries and waits for the ones in hand to finish. */
  stop(): Promise<void>;
}

export interface DeadLetter {
  event: unknown;
  error: string | null;
  consumer: string;
  deadAt: string | null;
}

export interface EventBus {
  /**
   * Publishes the events in the order given and resolves once the broker has confirmed every one
   * of them as routed. Rejects (with no partial promise) if any is nacked, returned as
   * unroutable, or the broker is unreachable: the caller keeps its outbox rows and tries again.
   */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  consume(spec: ConsumerSpec): Promise<Consumer>;
  /** True while connected and able to publish. */
  isReady(): boolean;
  /** Dead letters of one consumer, oldest first, without removing them. */
  listDeadLetters(consumer: string, limit?: number): Promise<DeadLetter[]>;
  /** Moves the dead letters of one consumer back onto its queue; answers how many. */
  replayDeadLetters(consumer: string): Promise<number>;
  close(): Promise<void>;
}
