import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Metrics } from '@chat/telemetry';

it('keeps each service in its own registry, labelled with its name', async () => {
  const channels = new Metrics('channels', { processMetrics: false });
  const messaging = new Metrics('messaging', { processMetrics: false });
  channels.counter('things_total', 'Things.').inc(2);
  messaging.counter('things_total', 'Things.').inc(5);
  assert.match(await channels.registry.metrics(), /things_total\{service="channels"\} 2/);
  assert.match(await messaging.registry.metrics(), /things_total\{service="messaging"\} 5/);
});

it('hands back the existing metric when asked twice for one name', () => {
  const metrics = new Metrics('tickets', { processMetrics: false });
  assert.equal(metrics.histogram('work_seconds', 'Work.'), metrics.histogram('work_seconds', 'Work.'));
});
