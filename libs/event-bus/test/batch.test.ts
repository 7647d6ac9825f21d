import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventEnvelope } from '@chat/contracts';
import { Metrics, silentLogger } from '@chat/telemetry';
import { amqpUrl, deleteAmqpTopology, uniqueExchange, waitFor } from '@chat/test-kit';
import { createRabbitBus, type EventBus } from '../src/index.ts';
import { messageRead } from './fixtures.ts';

async function withBus(consumers: string[], body: (bus: EventBus, metrics: Metrics) => Promise<void>): Promise<void> {
  const exchange = uniqueExchange('bus-batch-test');
  const metrics = new Metrics('bus-batch-test', { processMetrics: false });
  const bus = await createRabbitBus({ url: amqpUrl(), exchange, logger: silentLogger(), metrics, connectTimeoutMs: 10_000 });
  try {
    await body(bus, metrics);
  } finally {
    await bus.close();
    await deleteAmqpTopology({ exchange, consumers });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RabbitMQ bus, consumers that handle batches', () => {
  it('hands over what arrived meanwhile, in queue order, each event once', () =>
    withBus(['batched'], async (bus, metrics) => {
      const batches: string[][] = [];
      const alone: string[] = [];
      await bus.consume({
        name: 'batched',
        patterns: ['message.read'],
        prefetch: 50,
        handle: async (event) => void alone.push(event.id),
        handleBatch: async (events) => {
          batches.push(events.map((event) => event.id));
          // Slow enough that the next ones pile up behind it.
          await sleep(20);
        },
      });
      const events = Array.from({ length: 300 }, (_, index) => messageRead(index));
      await bus.publish(events);
      const handled = () => [...batches.flat(), ...alone];
      await waitFor(async () => handled().length === events.length, { timeoutMs: 20_000, what: 'every event' });
      await sleep(100);

      assert.equal(new Set(handled()).size, events.length, 'each event once');
      assert.deepEqual(handled().sort(), events.map((event) => event.id).sort());
      assert.ok(batches.length > 0 && batches.every((batch) => batch.length > 1 && batch.length <= 50), `batch sizes ${batches.map((batch) => batch.length)}`);
      const order = new Map(events.map((event, index) => [event.id, index]));
      for (const batch of batches) {
        const positions = batch.map((id) => order.get(id)!);
        assert.deepEqual(positions, [...positions].sort((a, b) => a - b), 'a batch keeps queue order');
      }
      assert.match(await metrics.registry.metrics(), /event_batch_size_count\{[^}]*consumer="batched",outcome="handled"\} [1-9]/);
    }));

  it('when a batch throws, hands its events to handle one by one, with retries and dead letters per event', () =>
    withBus(['fallback'], async (bus) => {
      const poison = messageRead(0);
      const good = Array.from({ length: 20 }, (_, index) => messageRead(index + 1));
      const handledAlone = new Map<string, number>();
      let batchCalls = 0;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await bus.consume({
        name: 'fallback',
        patterns: ['message.read'],
        prefetch: 50,
        retryDelaysMs: [50],
        handle: async (event) => {
          handledAlone.set(event.id, (handledAlone.get(event.id) ?? 0) + 1);
          if (event.id === poison.id) throw new Error('cannot apply this one');
          // The first one holds the consumer so that the rest arrive as one batch.
          if (handledAlone.size === 1) await held;
        },
        handleBatch: async (events: EventEnvelope[]) => {
          batchCalls += 1;
          if (events.some((event) => event.id === poison.id)) throw new Error('the batch holds a poison event');
        },
      });
      await bus.publish([good[0]!]);
      await waitFor(async () => handledAlone.size === 1, { what: 'the first event' });
      await bus.publish([...good.slice(1, 10), poison, ...good.slice(10)]);
      await sleep(200);
      release();

      await waitFor(async () => (await bus.listDeadLetters('fallback')).length === 1, { timeoutMs: 10_000, what: 'the poison event dead-lettered' });
      assert.ok(batchCalls >= 1, 'the later events came as a batch');
      assert.equal(handledAlone.get(poison.id), 2, 'the poison event: two attempts, then the dead letters');
      for (const event of good.slice(1)) assert.ok((handledAlone.get(event.id) ?? 0) <= 1, 'a good event is handled at most once alone');
      const [dead] = await bus.listDeadLetters('fallback');
      assert.deepEqual(dead?.event, poison);
    }));
});
