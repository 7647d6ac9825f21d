import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from 'amqplib';
import type { EventEnvelope } from '@chat/contracts';
import { Metrics, silentLogger } from '@chat/telemetry';
import { amqpUrl, canControlBroker, deleteAmqpTopology, freePort, rabbitmqctl, uniqueExchange, waitFor } from '@chat/test-kit';
import { consumerQueueNames, createRabbitBus, type EventBus } from '../src/index.ts';
import { eventBusContract, type OpenBus } from './bus-contract.ts';
import { messageRead } from './fixtures.ts';
import { startTcpProxy } from './tcp-proxy.ts';

const open: OpenBus = async () => {
  const exchange = uniqueExchange('bus-test');
  const bus = await createRabbitBus({ url: amqpUrl(), exchange, logger: silentLogger(), connectTimeoutMs: 10_000 });
  return { bus, teardown: (consumers) => deleteAmqpTopology({ exchange, consumers }) };
};

/** A bus on its own exchange, with direct access to the broker for what the bus does not expose. */
async function withRawBroker<T>(body: (context: { bus: EventBus; exchange: string; metrics: Metrics }) => Promise<T>, consumers: string[], url = amqpUrl()): Promise<T> {
  const exchange = uniqueExchange('bus-test');
  const metrics = new Metrics('bus-test', { processMetrics: false });
  const bus = await createRabbitBus({ url, exchange, logger: silentLogger(), metrics, connectTimeoutMs: 10_000 });
  try {
    return await body({ bus, exchange, metrics });
  } finally {
    await bus.close();
    await deleteAmqpTopology({ exchange, consumers });
  }
}

function withUrl(base: string, change: (url: URL) => void): string {
  const url = new URL(base);
  change(url);
  return url.toString();
}

describe('RabbitMQ bus', () => {
  eventBusContract(open);

  it('keeps confirms in flight: a batch of 1,000 is published at once and every event arrives once', () =>
    withRawBroker(
      async ({ bus, metrics }) => {
        const received = new Map<string, number>();
        await bus.consume({ name: 'bulk', patterns: ['message.read'], prefetch: 100, handle: async (event) => void received.set(event.id, (received.get(event.id) ?? 0) + 1) });
        const events = Array.from({ length: 1_000 }, (_, index) => messageRead(index));
        const started = performance.now();
        await bus.publish(events);
        const elapsed = performance.now() - started;
        await waitFor(async () => received.size === 1_000, { timeoutMs: 20_000, what: '1,000 deliveries' });
        assert.ok([...received.values()].every((count) => count === 1));
        // One confirm round trip at a time would take far longer than this on a real broker.
        assert.ok(elapsed < 5_000, `published in ${Math.round(elapsed)} ms`);
        assert.match(await metrics.registry.metrics(), /events_published_total\{type="message.read",service="bus-test"\} 1000/);
      },
      ['bulk'],
    ));

  it('rejects an unroutable publish and counts it as a failure', () =>
    withRawBroker(
      async ({ bus, metrics }) => {
        await assert.rejects(bus.publish([messageRead()]), { name: 'UnroutableMessageError' });
        assert.match(await metrics.registry.metrics(), /events_publish_failures_total\{service="bus-test"\} 1/);
        assert.equal(bus.isReady(), true);
      },
      [],
    ));

  it('dead-letters a body that is not JSON, keeping it as text', () =>
    withRawBroker(
      async ({ bus, exchange }) => {
        await bus.consume({ name: 'raw', patterns: ['message.read'], handle: async () => {} });
        const connection = await connect(amqpUrl());
        try {
          const channel = await connection.createConfirmChannel();
          channel.publish(exchange, 'message.read', Buffer.from('{not json'), { persistent: true });
          await channel.waitForConfirms();
        } finally {
          await connection.close();
        }
        const [dead] = await waitFor(async () => (await bus.listDeadLetters('raw')).length === 1 && bus.listDeadLetters('raw'), { what: 'the dead letter' });
        assert.equal(dead?.event, '{not json');
        assert.match(dead?.error ?? '', /^invalid envelope: /);
      },
      ['raw'],
    ));

  it('lets the broker dead-letter a message that is delivered again and again without settlement', () =>
    withRawBroker(
      async ({ bus, exchange }) => {
        // Declare the queues, then leave them to a "process" that takes the message and dies with it.
        const consumer = await bus.consume({ name: 'crashing', patterns: ['message.read'], deliveryLimit: 2, handle: async () => {} });
        await consumer.stop();
        const event = messageRead();
        await bus.publish([event]);
        const main = consumerQueueNames(exchange, 'crashing', 0).main;
        const connection = await connect(amqpUrl());
        try {
          for (let delivery = 1; delivery <= 3; delivery++) {
            const channel = await connection.createChannel();
            const message = await waitFor(async () => channel.get(main, { noAck: false }), { what: `delivery ${delivery}` });
            assert.equal(JSON.parse(message.content.toString()).id, event.id);
            await channel.close(); // unacked: back to the queue, counted as a delivery
          }
        } finally {
          await connection.close();
        }
        const [dead] = await waitFor(async () => (await bus.listDeadLetters('crashing')).length === 1 && bus.listDeadLetters('crashing'), {
          what: 'the dead letter',
        });
        assert.equal((dead?.event as EventEnvelope).id, event.id);
        assert.match(dead?.error ?? '', /delivery limit/);
        assert.ok(dead?.deadAt && !Number.isNaN(Date.parse(dead.deadAt)));
      },
      ['crashing'],
    ));

  it('names every queue after its exchange, and honours a vhost in the URL', async (t) => {
    if (!(await canControlBroker())) return t.skip('needs rabbitmqctl on the broker of AMQP_URL to make a vhost');
    const vhost = uniqueExchange('bus-vhost');
    await rabbitmqctl('add_vhost', vhost);
    try {
      await rabbitmqctl('set_permissions', '-p', vhost, decodeURIComponent(new URL(amqpUrl()).username) || 'guest', '.*', '.*', '.*');
      const url = withUrl(amqpUrl(), (parsed) => {
        parsed.pathname = `/${encodeURIComponent(vhost)}`;
      });
      await withRawBroker(
        async ({ bus, exchange }) => {
          await bus.consume({ name: 'named', patterns: ['#'], retryDelaysMs: [10, 20], handle: async () => {} });
          const names = consumerQueueNames(exchange, 'named', 2);
          const stdout = await rabbitmqctl('list_queues', '-p', vhost, '--quiet', '--no-table-headers', 'name', 'type');
          const queues = stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
          assert.deepEqual(queues.map(([name]) => name).sort(), [names.main, names.deadLetter, ...names.retries].sort());
          assert.ok(queues.every(([name]) => name?.startsWith(`${exchange}.`)));
          assert.deepEqual(Object.fromEntries(queues), {
            [names.main]: 'quorum',
            [names.retries[0] as string]: 'quorum',
            [names.retries[1] as string]: 'quorum',
            [names.deadLetter]: 'classic',
          });
        },
        ['named'],
        url,
      );
    } finally {
      await rabbitmqctl('delete_vhost', vhost);
    }
  });

  it('rejects publishes at once while disconnected, reconnects by itself and consumes again', async () => {
    const broker = new URL(amqpUrl());
    const proxy = await startTcpProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
    const url = withUrl(amqpUrl(), (parsed) => {
      parsed.hostname = '127.0.0.1';
      parsed.port = String(proxy.port);
    });
    try {
      await withRawBroker(
        async ({ bus }) => {
          const received = new Set<string>();
          await bus.consume({ name: 'resilient', patterns: ['message.read'], handle: async (event) => void received.add(event.id) });
          const before = messageRead(1);
          await bus.publish([before]);
          await waitFor(async () => received.has(before.id), { what: 'delivery before the cut' });

          // A publish in flight when the connection goes rejects; it does not hang.
          const inFlight = bus.publish(Array.from({ length: 2_000 }, (_, index) => messageRead(index)));
          proxy.cut();
          await assert.rejects(inFlight);
          await waitFor(async () => !bus.isReady(), { what: 'the bus to notice the loss' });
          const started = performance.now();
          await assert.rejects(bus.publish([messageRead()]), { name: 'BusUnavailableError' });
          assert.ok(performance.now() - started < 100);
          await assert.rejects(bus.listDeadLetters('resilient'), { name: 'BusUnavailableError' });
          // A consumer registered meanwhile starts with the next connection.
          const joinedLate = new Set<string>();
          await bus.consume({ name: 'joined-offline', patterns: ['message.read'], handle: async (event) => void joinedLate.add(event.id) });

          proxy.restore();
          await waitFor(async () => bus.isReady(), { timeoutMs: 20_000, what: 'the bus to reconnect' });
          const after = messageRead(2);
          await bus.publish([after]);
          await waitFor(async () => received.has(after.id) && joinedLate.has(after.id), { what: 'deliveries after reconnecting' });
        },
        ['resilient', 'joined-offline'],
        url,
      );
    } finally {
      await proxy.close();
    }
  });

  it('fails to start, within its connect timeout, when the broker cannot be reached', async () => {
    const nothingListens = await freePort();
    const url = withUrl(amqpUrl(), (parsed) => {
      parsed.hostname = '127.0.0.1';
      parsed.port = String(nothingListens);
    });
    const started = performance.now();
    await assert.rejects(createRabbitBus({ url, logger: silentLogger(), connectTimeoutMs: 1_000 }), /not reachable within 1000 ms/);
    assert.ok(performance.now() - started < 3_000);
  });

  it('refuses a consumer whose queues exist with other arguments, and keeps running', () =>
    withRawBroker(
      async ({ bus }) => {
        await bus.consume({ name: 'fixed', patterns: ['#'], retryDelaysMs: [100], handle: async () => {} });
        await assert.rejects(bus.consume({ name: 'fixed', patterns: ['#'], retryDelaysMs: [200], handle: async () => {} }), /PRECONDITION_FAILED/);
        await bus.publish([messageRead()]);
        assert.equal(bus.isReady(), true);
      },
      ['fixed'],
    ));
});
