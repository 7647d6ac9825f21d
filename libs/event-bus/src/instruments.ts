import type { Metrics } from '@chat/telemetry';

/** How a delivery ended, as counted in `events_consumed_total{outcome}`. */
export type ConsumeOutcome = 'handled' | 'retried' | 'dead_lettered' | 'invalid' | 'requeued';

/** The bus's own metrics; a bus created without a `Metrics` registry records nothing. */
export interface BusInstruments {
  published(type: string): void;
  publishFailed(count: number): void;
  consumed(consumer: string, outcome: ConsumeOutcome): void;
  handlerDuration(consumer: string, seconds: number): void;
}

export function busInstruments(metrics?: Metrics): BusInstruments {
  if (!metrics) {
    return { published() {}, publishFailed() {}, consumed() {}, handlerDuration() {} };
  }
  const published = metrics.counter('events_published_total', 'Events confirmed by the broker, by type.', ['type']);
  const publishFailures = metrics.counter('events_publish_failures_total', 'Events whose publish was rejected, returned or not confirmed.');
  const consumed = metrics.counter('events_consumed_total', 'Deliveries settled by a consumer, by outcome.', ['consumer', 'outcome']);
  const duration = metrics.histogram('event_handler_duration_seconds', 'Time spent in an event handler.', ['consumer']);
  return {
    published: (type) => published.inc({ type }),
    publishFailed: (count) => publishFailures.inc(count),
    consumed: (consumer, outcome) => consumed.inc({ consumer, outcome }),
    handlerDuration: (consumer, seconds) => duration.observe({ consumer }, seconds),
  };
}
