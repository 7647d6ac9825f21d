/**
 * Stops and starts the machine's RabbitMQ application in the middle of a stream of events: run
 * with the fault suite (`npm run test:faults`), never beside other tests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventEnvelope } from '@chat/contracts';
import { silentLogger } from '@chat/telemetry';
import { amqpUrl, canRestartSharedService, deleteAmqpTopology, restartSharedService, uniqueExchange, waitFor } from '@chat/test-kit';
import { createRabbitBus } from '../../src/index.ts';
import { messageRead, sleep } from '../fixtures.ts';

/** Long enough for publishes and deliveries to meet a stopped broker, short for the others on it. */
const OUTAGE_MS = 2_000;

describe('RabbitMQ bus through a broker outage', () => {
  it('delivers every confirmed event at least once across rabbitmqctl stop_app / start_app', async (t) => {
    if (!(await canRestartSharedService('rabbitmq'))) return t.skip('needs rabbitmqctl (and flock) on the broker of AMQP_URL');
    const exchange = uniqueExchange('bus-outage');
    const bus = await createRabbitBus({ url: amqpUrl(), exchange, logger: silentLogger(), connectTimeoutMs: 10_000 });
    try {
      const received = new Map<string, number>();
      await bus.consume({
        name: 'survivor',
        patterns: ['message.read'],
        prefetch: 20,
        handle: async (event) => {
          await sleep(3); // keeps deliveries in hand when the broker goes
          received.set(event.id, (received.get(event.id) ?? 0) + 1);
        },
      });

      // Publishes as an outbox relay does: a batch leaves the outbox only once confirmed.
      const confirmed = new Set<string>();
      const outbox: EventEnvelope[] = [];
      let failedPublishes = 0;
      let producing = true;
      let sequence = 0;
      const relay = (async () => {
        while (producing || outbox.length > 0) {
          if (producing) for (let i = 0; i < 10; i++) outbox.push(messageRead(sequence++));
          const batch = outbox.slice(0, 50);
          try {
            await bus.publish(batch);
            outbox.splice(0, batch.length);
            for (const event of batch) confirmed.add(event.id);
          } catch {
            failedPublishes++;
          }
          await sleep(25);
        }
      })();

      await waitFor(async () => confirmed.size >= 200 && received.size >= 100, { timeoutMs: 20_000, what: 'the stream to flow' });
      // stop_app, OUTAGE_MS, start_app, under the machine's shared-services lock.
      const outage = restartSharedService('rabbitmq', OUTAGE_MS);
      try {
        await outage.stopped;
        await waitFor(async () => !bus.isReady(), { what: 'the bus to notice the outage' });
      } finally {
        await outage.over;
      }
      await waitFor(async () => bus.isReady(), { timeoutMs: 60_000, what: 'the bus to reconnect' });
      const confirmedBeforeRecovery = confirmed.size;
      await waitFor(async () => confirmed.size >= confirmedBeforeRecovery + 200, { timeoutMs: 20_000, what: 'the stream to flow again' });
      producing = false;
      await relay;

      await waitFor(async () => [...confirmed].every((id) => received.has(id)), { timeoutMs: 60_000, what: 'every confirmed event' });
      assert.ok(failedPublishes > 0, 'publishes during the outage must have been refused');
      assert.equal(confirmed.size, sequence, 'the relay ends with an empty outbox');
      assert.ok([...received.keys()].every((id) => confirmed.has(id)), 'nothing is delivered that was not published');
      const repeated = [...received.values()].filter((count) => count > 1).length;
      t.diagnostic(`${sequence} events, ${failedPublishes} refused publishes, ${repeated} delivered more than once`);
    } finally {
      await bus.close();
      await deleteAmqpTopology({ exchange, consumers: ['survivor'] });
    }
  });
});
