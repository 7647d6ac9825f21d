import type { Metrics } from '@chat/telemetry';

/** How a delivery ended, as counted in `events_consumed_total{outcome}`. */
export type ConsumeOutcome = 'handled' | 'retried' | 'dead_lettered' | 'invalid' | 'requeued';

/** The bus's own metrics; a bus created without a `Metrics` registry records nothing. */
export interface BusInstruments {
  published(type: string): void;
  publishFailed(count: number): void;
  consumed(consumer: string, outcome: ConsumeOutcome): void;
  handlerDuration(consumer: string, seconds: number): void;
  /** From the event's `occurredAt` to its handler starting: the outbox, the broker and the queue. */
  deliveryLag(consumer: string, seconds: number): void;
  /** A batch given to `handleBatch`: handled as one, or fallen back to one by one. */
  batch(consumer: string, size: number, outcome: 'handled' | 'fell_back'): void;
}

export function busInstruments(metrics?: Metrics): BusInstruments {
  if (!metrics) {
    return { published() {}, publishFailed() {}, consumed() {}, handlerDuration() {}, deliveryLag() {}, batch() {} };
  }
  const published = metrics.counter('events_published_total', 'Events confirmed by the broker, by type.', ['type']);
  const publishFailures = metrics.counter('events_publish_failures_total', 'Events whose publish was rejected, returned or not confirmed.');
  const consumed = metrics.counter('events_consumed_total', 'Deliveries settled by a consumer, by outcome.', ['consumer', 'outcome']);
  const duration = metrics.histogram('event_handler_duration_seconds', 'Time spent in an event handler.', ['consumer']);
  const batches = metrics.histogram('event_batch_size', "Events per batch given to a consumer's handleBatch, by outcome.", ['consumer', 'outcome'], [2, 4, 8, 16, 32, 64, 128, 256]);
  const lag = metrics.histogram('event_delivery_lag_seconds', "From an event's occurrence to its handler starting (outbox, broker and queue).", ['consumer']);
  return {
    published: (type) => published.inc({ type }),
    publishFailed: (count) => publishFailures.inc(count),
    consumed: (consumer, outcome) => consumed.inc({ consumer, outcome }),
    handlerDuration: (consumer, seconds) => duration.observe({ consumer }, seconds),
    // Clocks of two processes: a negative lag is skew, not time travel.
    deliveryLag: (consumer, seconds) => lag.observe({ consumer }, Math.max(0, seconds)),
    batch: (consumer, size, outcome) => batches.observe({ consumer, outcome }, size),
  };
}
