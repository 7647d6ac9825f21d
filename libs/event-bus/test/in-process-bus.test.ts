import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics, silentLogger } from '@chat/telemetry';
import { waitFor } from '@chat/test-kit';
import { createInProcessBus } from '../src/index.ts';
import { eventBusContract, withBus, type OpenBus } from './bus-contract.ts';
import { messageRead } from './fixtures.ts';

const open: OpenBus = async () => ({ bus: createInProcessBus({ logger: silentLogger() }), teardown: async () => {} });

describe('in-process bus', () => {
  eventBusContract(open);

  it('delivers only after publish has resolved', () =>
    withBus(open, [], async (bus) => {
      let publishResolved = false;
      const seenBeforeResolve: boolean[] = [];
      await bus.consume({ name: 'late', patterns: ['#'], handle: async () => void seenBeforeResolve.push(!publishResolved) });
      const publishing = bus.publish([messageRead()]);
      await publishing;
      publishResolved = true;
      await waitFor(async () => seenBeforeResolve.length === 1, { what: 'the delivery' });
      assert.deepEqual(seenBeforeResolve, [false]);
    }));

  it('refuses a second declaration of a queue with other retry delays, as the broker does', () =>
    withBus(open, [], async (bus) => {
      await bus.consume({ name: 'declared', patterns: ['#'], retryDelaysMs: [10], handle: async () => {} });
      await assert.rejects(bus.consume({ name: 'declared', patterns: ['#'], retryDelaysMs: [20], handle: async () => {} }), /other retry delays/);
    }));

  it('counts published and consumed events in the metrics registry', async () => {
    const metrics = new Metrics('bus-test', { processMetrics: false });
    const bus = createInProcessBus({ logger: silentLogger(), metrics });
    try {
      let calls = 0;
      await bus.consume({ name: 'counted', patterns: ['message.read'], retryDelaysMs: [], handle: async () => {
        if (calls++ > 0) throw new Error('second one fails');
      } });
      await bus.publish([messageRead(), messageRead()]);
      await waitFor(async () => (await bus.listDeadLetters('counted')).length === 1, { what: 'the dead letter' });
      const text = await metrics.registry.metrics();
      assert.match(text, /events_published_total\{type="message.read",service="bus-test"\} 2/);
      assert.match(text, /events_consumed_total\{consumer="counted",outcome="handled",service="bus-test"\} 1/);
      assert.match(text, /events_consumed_total\{consumer="counted",outcome="dead_lettered",service="bus-test"\} 1/);
      assert.match(text, /event_handler_duration_seconds_count\{[^}]*consumer="counted"[^}]*\} 2/);
    } finally {
      await bus.close();
    }
  });
});
