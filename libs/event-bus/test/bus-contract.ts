/**
 * The semantics both buses promise, run against each of them (see the `*-bus.test.ts` files).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Refusal, type EventEnvelope } from '@chat/contracts';
import { waitFor } from '@chat/test-kit';
import type { DeliveryInfo, EventBus } from '../src/index.ts';
import { channelArchived, deferred, invalidEnvelope, messageRead, slaBreached, sleep } from './fixtures.ts';

export interface OpenedBus {
  bus: EventBus;
  /** Removes what the test left behind (queues, exchange), given the consumer names it used. */
  teardown(consumers: string[]): Promise<void>;
}

export type OpenBus = () => Promise<OpenedBus>;

/** Opens a bus of its own for one test and always closes and cleans it up. */
export async function withBus(open: OpenBus, consumers: string[], body: (bus: EventBus) => Promise<void>): Promise<void> {
  const { bus, teardown } = await open();
  try {
    await body(bus);
  } finally {
    await bus.close();
    await teardown(consumers);
  }
}

interface Received {
  event: EventEnvelope;
  delivery: DeliveryInfo;
}

const ids = (events: readonly { id: string }[]) => events.map((event) => event.id);

export function eventBusContract(open: OpenBus): void {
  it('delivers published events to a consumer, intact, as first attempts', () =>
    withBus(open, ['round-trip'], async (bus) => {
      const received: Received[] = [];
      await bus.consume({ name: 'round-trip', patterns: ['message.read'], handle: async (event, delivery) => void received.push({ event, delivery }) });
      const events = [messageRead(1), messageRead(2), messageRead(3)];
      await bus.publish(events);
      await waitFor(async () => received.length >= 3, { what: 'three deliveries' });
      await sleep(50);
      assert.deepEqual(
        received.map(({ event }) => event),
        events,
      );
      assert.deepEqual(
        received.map(({ delivery }) => delivery),
        events.map(() => ({ attempt: 1, redelivered: false })),
      );
      assert.equal(bus.isReady(), true);
    }));

  it('routes by topic pattern, one copy per consumer queue', () =>
    withBus(open, ['messages', 'everything', 'tickets-and-archive'], async (bus) => {
      const got = new Map<string, string[]>();
      for (const [name, patterns] of [
        ['messages', ['message.*']],
        ['everything', ['#']],
        ['tickets-and-archive', ['ticket.#', 'channel.archived']],
      ] as const) {
        got.set(name, []);
        await bus.consume({ name, patterns: [...patterns], prefetch: 1, handle: async (event) => void got.get(name)?.push(event.id) });
      }
      const read = messageRead();
      const archived = channelArchived();
      const breached = slaBreached();
      await bus.publish([read, archived, breached]);
      await waitFor(async () => got.get('everything')?.length === 3 && got.get('tickets-and-archive')?.length === 2, { what: 'routed deliveries' });
      await sleep(100);
      assert.deepEqual(got.get('messages'), [read.id]);
      assert.deepEqual(got.get('everything'), ids([read, archived, breached]));
      assert.deepEqual(got.get('tickets-and-archive'), ids([archived, breached]));
    }));

  it('rejects a publish that no queue takes, and stays usable', () =>
    withBus(open, ['only-reads'], async (bus) => {
      const received: string[] = [];
      await bus.consume({ name: 'only-reads', patterns: ['message.read'], handle: async (event) => void received.push(event.id) });
      await assert.rejects(bus.publish([slaBreached()]), /no queue is bound/);
      await assert.rejects(bus.publish([messageRead(), slaBreached()]), /no queue is bound/);
      const routable = messageRead();
      await bus.publish([routable]);
      await waitFor(async () => received.includes(routable.id), { what: 'the routable event' });
      assert.equal(bus.isReady(), true);
    }));

  it('retries a failing event with its delays, then dead-letters it, while other events flow', () =>
    withBus(open, ['flaky'], async (bus) => {
      const poison = messageRead(0);
      const good = Array.from({ length: 5 }, (_, index) => messageRead(index + 1));
      const log: string[] = [];
      let healed = false;
      await bus.consume({
        name: 'flaky',
        patterns: ['message.*'],
        prefetch: 1,
        // A long first delay: the other events must all be handled within it.
        retryDelaysMs: [400, 100],
        handle: async (event, delivery) => {
          if (event.id !== poison.id) return void log.push(`ok ${event.id}`);
          log.push(`poison attempt ${delivery.attempt}${healed ? ' healed' : ''}`);
          if (!healed) throw new Error('projection table is locked');
        },
      });
      await bus.publish([poison, ...good]);

      const [dead] = await waitFor(async () => (await bus.listDeadLetters('flaky')).length === 1 && bus.listDeadLetters('flaky'), {
        what: 'the dead letter',
      });
      assert.deepEqual(
        log.filter((line) => line.startsWith('poison')),
        ['poison attempt 1', 'poison attempt 2', 'poison attempt 3'],
      );
      // The other events did not wait for the failing one's retries.
      const lastGood = Math.max(...good.map((event) => log.indexOf(`ok ${event.id}`)));
      assert.ok(lastGood >= 0 && lastGood < log.indexOf('poison attempt 2'), log.join('\n'));
      assert.ok(dead);
      assert.deepEqual(dead.event, poison);
      assert.equal(dead.consumer, 'flaky');
      assert.match(dead.error ?? '', /projection table is locked/);
      assert.ok(dead.deadAt && !Number.isNaN(Date.parse(dead.deadAt)), `deadAt ${dead.deadAt}`);

      // Listing does not consume.
      assert.equal((await bus.listDeadLetters('flaky')).length, 1);

      healed = true;
      assert.equal(await bus.replayDeadLetters('flaky'), 1);
      await waitFor(async () => log.includes('poison attempt 1 healed'), { what: 'the replayed event' });
      assert.deepEqual(await bus.listDeadLetters('flaky'), []);
      assert.equal(await bus.replayDeadLetters('flaky'), 0);
    }));

  it('keeps retrying an event while a dependency is unavailable, however long; a real failure afterwards still ends in the dead letters', () =>
    withBus(open, ['patient'], async (bus) => {
      const waiting = messageRead(1);
      const broken = messageRead(2);
      const attempts = new Map<string, number[]>([[waiting.id, []], [broken.id, []]]);
      const outage = (id: string) => (attempts.get(id)?.length ?? 0) <= 6;
      await bus.consume({
        name: 'patient',
        patterns: ['message.*'],
        retryDelaysMs: [20, 40],
        handle: async (event, delivery) => {
          attempts.get(event.id)?.push(delivery.attempt);
          if (outage(event.id)) throw new Refusal('unavailable', 'DATABASE_UNAVAILABLE', 'database unavailable');
          if (event.id === broken.id) throw new Error('projection is corrupt');
        },
      });
      await bus.publish([waiting, broken]);
      await waitFor(async () => (await bus.listDeadLetters('patient')).length === 1 && attempts.get(waiting.id)!.length === 7, { what: 'the outage to pass' });
      await sleep(200);
      // Seven tries over an outage three times longer than the retries it has; handled on the last.
      assert.deepEqual(attempts.get(waiting.id), [1, 2, 2, 2, 2, 2, 2]);
      // Its last retry was kept for a real failure: attempt 2 fails, 3 fails, then the dead letters.
      assert.deepEqual(attempts.get(broken.id), [1, 2, 2, 2, 2, 2, 2, 3]);
      const [dead] = await bus.listDeadLetters('patient');
      assert.equal((dead?.event as { id?: string } | undefined)?.id, broken.id);
      assert.match(dead?.error ?? '', /projection is corrupt/);
    }));

  it('lists dead letters oldest first, up to a limit, and replays them all in order', () =>
    withBus(open, ['strict'], async (bus) => {
      let accept = false;
      const handled: string[] = [];
      await bus.consume({
        name: 'strict',
        patterns: ['message.read'],
        prefetch: 1,
        retryDelaysMs: [],
        handle: async (event) => {
          if (!accept) throw new Error(`refused ${event.id}`);
          handled.push(event.id);
        },
      });
      const events = [messageRead(1), messageRead(2), messageRead(3)];
      for (const event of events) {
        await bus.publish([event]);
        await waitFor(async () => (await bus.listDeadLetters('strict')).some((letter) => (letter.event as EventEnvelope).id === event.id), { what: 'a dead letter' });
      }
      const all = await bus.listDeadLetters('strict');
      assert.deepEqual(
        all.map((letter) => (letter.event as EventEnvelope).id),
        ids(events),
      );
      assert.deepEqual(
        all.map((letter) => letter.error),
        events.map((event) => `refused ${event.id}`),
      );
      assert.deepEqual(
        (await bus.listDeadLetters('strict', 2)).map((letter) => (letter.event as EventEnvelope).id),
        ids(events.slice(0, 2)),
      );
      accept = true;
      assert.equal(await bus.replayDeadLetters('strict'), 3);
      await waitFor(async () => handled.length === 3, { what: 'replayed events' });
      assert.deepEqual(handled, ids(events));
    }));

  it('dead-letters an invalid envelope at once, without calling the handler', () =>
    withBus(open, ['validating'], async (bus) => {
      const handled: string[] = [];
      await bus.consume({ name: 'validating', patterns: ['message.*'], handle: async (event) => void handled.push(event.id) });
      const invalid = invalidEnvelope();
      const valid = messageRead();
      await bus.publish([invalid, valid]);
      const [dead] = await waitFor(async () => (await bus.listDeadLetters('validating')).length === 1 && bus.listDeadLetters('validating'), {
        what: 'the refused envelope',
      });
      await waitFor(async () => handled.length === 1, { what: 'the valid event' });
      assert.deepEqual(handled, [valid.id]);
      assert.ok(dead);
      assert.deepEqual(dead.event, invalid);
      assert.match(dead.error ?? '', /^invalid envelope: /);
    }));

  it('shares one queue between competing handlers of the same consumer name', () =>
    withBus(open, ['shared'], async (bus) => {
      const byHandler: string[][] = [[], []];
      for (const mine of byHandler) {
        await bus.consume({
          name: 'shared',
          patterns: ['message.read'],
          prefetch: 1,
          handle: async (event) => {
            await sleep(10);
            mine.push(event.id);
          },
        });
      }
      const events = Array.from({ length: 20 }, (_, index) => messageRead(index));
      await bus.publish(events);
      await waitFor(async () => byHandler.flat().length >= 20, { what: 'twenty deliveries' });
      await sleep(100);
      assert.deepEqual(byHandler.flat().sort(), ids(events).sort());
      assert.ok(byHandler.every((mine) => mine.length > 0), `split ${byHandler.map((mine) => mine.length).join('/')}`);
    }));

  it('starts deliveries in queue order with at most `prefetch` in flight', () =>
    withBus(open, ['bounded'], async (bus) => {
      const started: string[] = [];
      let inFlight = 0;
      let peak = 0;
      await bus.consume({
        name: 'bounded',
        patterns: ['message.read'],
        prefetch: 3,
        handle: async (event) => {
          started.push(event.id);
          peak = Math.max(peak, ++inFlight);
          await sleep(30);
          inFlight--;
        },
      });
      const events = Array.from({ length: 15 }, (_, index) => messageRead(index));
      await bus.publish(events);
      await waitFor(async () => started.length === 15 && inFlight === 0, { what: 'all deliveries' });
      assert.deepEqual(started, ids(events));
      assert.equal(peak, 3);
    }));

  it('stops a consumer only once its handlers in hand have finished; the queue keeps later events', () =>
    withBus(open, ['stoppable'], async (bus) => {
      const gate = deferred();
      const first: string[] = [];
      let inHand = 0;
      const consumer = await bus.consume({
        name: 'stoppable',
        patterns: ['message.read'],
        handle: async (event) => {
          inHand++;
          await gate.promise;
          first.push(event.id);
        },
      });
      const early = messageRead(1);
      await bus.publish([early]);
      await waitFor(async () => inHand === 1, { what: 'the handler to hold the event' });
      let stopped = false;
      const stopping = consumer.stop().then(() => {
        stopped = true;
      });
      await sleep(100);
      assert.equal(stopped, false, 'stop must wait for the handler in hand');
      gate.resolve();
      await stopping;
      assert.deepEqual(first, [early.id]);

      const late = messageRead(2);
      await bus.publish([late]);
      await sleep(100);
      assert.deepEqual(first, [early.id]);
      const second: string[] = [];
      await bus.consume({ name: 'stoppable', patterns: ['message.read'], handle: async (event) => void second.push(event.id) });
      await waitFor(async () => second.length === 1, { what: 'the event kept by the queue' });
      assert.deepEqual(second, [late.id]);
    }));

  it('refuses to publish once closed', async () => {
    const { bus, teardown } = await open();
    await bus.close();
    assert.equal(bus.isReady(), false);
    await assert.rejects(bus.publish([messageRead()]));
    await bus.close();
    await teardown([]);
  });
}
