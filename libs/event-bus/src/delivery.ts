import { isUnavailability, parseEnvelope, type EventEnvelope } from '@chat/contracts';
import type { Logger } from '@chat/telemetry';
import type { BusInstruments } from './instruments.ts';
import type { ConsumerSpec, DeliveryInfo } from './types.ts';

export const DEFAULT_PREFETCH = 32;
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [500, 2_000, 8_000];
export const DEFAULT_DELIVERY_LIMIT = 10;

/** Error text kept with a dead letter: enough to diagnose, small enough for a message header. */
const MAX_ERROR_LENGTH = 1_000;

/** No dots: a consumer name must not be mistaken for one of another consumer's queue suffixes. */
const CONSUMER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

export interface ResolvedConsumerSpec {
  name: string;
  patterns: readonly string[];
  handle: ConsumerSpec['handle'];
  handleBatch: ConsumerSpec['handleBatch'];
  prefetch: number;
  retryDelaysMs: readonly number[];
  deliveryLimit: number;
}

export function resolveConsumerSpec(spec: ConsumerSpec): ResolvedConsumerSpec {
  if (!CONSUMER_NAME.test(spec.name)) {
    throw new TypeError(`consumer name ${JSON.stringify(spec.name)} must be letters, digits, '-' or '_'`);
  }
  if (spec.patterns.length === 0) throw new TypeError(`consumer ${spec.name} binds no pattern`);
  const prefetch = spec.prefetch ?? DEFAULT_PREFETCH;
  if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65_535) {
    throw new RangeError(`consumer ${spec.name}: prefetch must be an integer from 1 to 65535`);
  }
  const retryDelaysMs = spec.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  if (!retryDelaysMs.every((delay) => Number.isInteger(delay) && delay >= 0)) {
    throw new RangeError(`consumer ${spec.name}: retry delays must be non-negative integers (ms)`);
  }
  const deliveryLimit = spec.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
  if (!Number.isInteger(deliveryLimit) || deliveryLimit < 1) {
    throw new RangeError(`consumer ${spec.name}: deliveryLimit must be a positive integer`);
  }
  return {
    name: spec.name,
    patterns: [...spec.patterns],
    handle: spec.handle,
    handleBatch: spec.handleBatch,
    prefetch,
    retryDelaysMs: [...retryDelaysMs],
    deliveryLimit,
  };
}

/** What to do with a delivery once its handler has run (or the envelope was refused). */
export type Settlement =
  | { kind: 'ack' }
  /** `retry` is 1-based: the first retry waits `retryDelaysMs[0]` and comes back as attempt 2. */
  | { kind: 'retry'; retry: number; delayMs: number; nextAttempt: number; error: string }
  | { kind: 'dead-letter'; error: string; invalid: boolean };

/**
 * Validates one delivery's body (unless it comes already read as an envelope), runs the handler
 * and decides its settlement. Never throws: every failure becomes a retry or a dead letter, so
 * neither bus can lose a delivery to an exception.
 */
export async function runDelivery(
  spec: ResolvedConsumerSpec,
  body: string | EventEnvelope,
  delivery: DeliveryInfo,
  instruments: BusInstruments,
  logger: Logger,
): Promise<Settlement> {
  let event: EventEnvelope;
  try {
    event = typeof body === 'string' ? parseEnvelope(JSON.parse(body)) : body;
  } catch (error) {
    const reason = errorText(`invalid envelope: ${describeError(error)}`);
    logger.error({ consumer: spec.name, reason }, 'event refused: dead-lettered');
    instruments.consumed(spec.name, 'invalid');
    return { kind: 'dead-letter', error: reason, invalid: true };
  }

  recordLag(spec, instruments, event, Date.now());
  const started = performance.now();
  try {
    await spec.handle(event, delivery);
    instruments.handlerDuration(spec.name, (performance.now() - started) / 1_000);
    instruments.consumed(spec.name, 'handled');
    return { kind: 'ack' };
  } catch (error) {
    instruments.handlerDuration(spec.name, (performance.now() - started) / 1_000);
    const reason = errorText(describeError(error));
    const context = { consumer: spec.name, eventId: event.id, type: event.type, attempt: delivery.attempt, err: error };
    const waiting = waitForDependency(spec, delivery.attempt, error, reason);
    if (waiting) {
      logger.warn({ ...context, retryInMs: waiting.delayMs }, 'event handler met an unavailable dependency: will retry');
      instruments.consumed(spec.name, 'retried');
      return waiting;
    }
    const delayMs = spec.retryDelaysMs[delivery.attempt - 1];
    if (delayMs !== undefined) {
      logger.warn({ ...context, retryInMs: delayMs }, 'event handler failed: will retry');
      instruments.consumed(spec.name, 'retried');
      return { kind: 'retry', retry: delivery.attempt, delayMs, nextAttempt: delivery.attempt + 1, error: reason };
    }
    logger.error(context, 'event handler failed on its last attempt: dead-lettered');
    instruments.consumed(spec.name, 'dead_lettered');
    return { kind: 'dead-letter', error: reason, invalid: false };
  }
}

/** The longest a handler waits between tries while a dependency is unavailable (where its delays allow). */
const DEPENDENCY_RETRY_CAP_MS = 10_000;

/**
 * The retry of an event whose handler could not reach a dependency (the database is down): the
 * event is not at fault, so an outage of any length must not dead-letter it. It backs off along
 * the consumer's delays up to the last one within `DEPENDENCY_RETRY_CAP_MS` (so that it is applied
 * soon after the dependency is back) and stays there; its attempts stop counting at that retry, so
 * that a real failure once the dependency is back still gets the retries that follow.
 */
function waitForDependency(spec: ResolvedConsumerSpec, attempt: number, error: unknown, reason: string): Extract<Settlement, { kind: 'retry' }> | undefined {
  if (spec.retryDelaysMs.length === 0 || !isUnavailability(error)) return undefined;
  const withinCap = spec.retryDelaysMs.findIndex((delay) => delay > DEPENDENCY_RETRY_CAP_MS);
  const longest = withinCap === -1 ? spec.retryDelaysMs.length : Math.max(withinCap, 1);
  const retry = Math.min(attempt, longest);
  return { kind: 'retry', retry, delayMs: spec.retryDelaysMs[retry - 1]!, nextAttempt: Math.min(attempt + 1, longest), error: reason };
}

/** A delivery's body as an envelope, or undefined when it is not one (`runDelivery` says why). */
export function envelopeOf(body: string): EventEnvelope | undefined {
  try {
    return parseEnvelope(JSON.parse(body));
  } catch {
    return undefined;
  }
}

/**
 * Runs first deliveries through the spec's `handleBatch`. Answers true when they were all handled
 * (each is then acked); false when the batch threw, and each must go through `runDelivery` alone.
 */
export async function runBatch(spec: ResolvedConsumerSpec, events: EventEnvelope[], instruments: BusInstruments, logger: Logger): Promise<boolean> {
  if (!spec.handleBatch) return false;
  const now = Date.now();
  for (const event of events) recordLag(spec, instruments, event, now);
  const started = performance.now();
  try {
    await spec.handleBatch(events);
  } catch (error) {
    instruments.batch(spec.name, events.length, 'fell_back');
    logger.debug({ consumer: spec.name, events: events.length, err: error }, 'batch not handled as one: handling its events one by one');
    return false;
  }
  const share = (performance.now() - started) / 1_000 / events.length;
  instruments.batch(spec.name, events.length, 'handled');
  for (let index = 0; index < events.length; index++) {
    instruments.handlerDuration(spec.name, share);
    instruments.consumed(spec.name, 'handled');
  }
  return true;
}

/** How long the event took from its occurrence to its handler. */
function recordLag(spec: ResolvedConsumerSpec, instruments: BusInstruments, event: EventEnvelope, now: number): void {
  const occurredAt = Date.parse(event.occurredAt);
  if (Number.isFinite(occurredAt)) instruments.deliveryLag(spec.name, (now - occurredAt) / 1_000);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorText(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/** Reads a dead letter's body back as the event it carried, or as text when it is not JSON. */
export function bodyAsEvent(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
