import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, afterEach, before, describe, test } from 'node:test';
import type { EventEnvelope } from '@chat/contracts';
import { Metrics, silentLogger } from '@chat/telemetry';
import { waitFor } from '@chat/test-kit';
import { startOutboxRelay, type Database, type OutboxRelay, type OutboxRelayOptions } from '../src/index.ts';
import { RecordingBus, sampleDatabase, sampleEvent } from './helpers.ts';

const FIXTURE = new URL('./fixtures/commit-then-die.ts', import.meta.url).pathname;
/** Long enough that only the wake-up after commit can explain a prompt publication. */
const NO_SWEEP = 3_600_000;

describe('transactional outbox', () => {
  let db: Database;
  let url: string;
  let open: Awaited<ReturnType<typeof sampleDatabase>>['open'];
  let cleanup: () => Promise<void>;
  const relays: OutboxRelay[] = [];

  before(async () => {
    const sample = await sampleDatabase('db_outbox');
    ({ db, open, cleanup } = sample);
    url = sample.testDb.url;
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await db.dataSource.query('DELETE FROM outbox');
  });
  after(() => cleanup());

  function relay(options: Partial<OutboxRelayOptions> & { bus: RecordingBus }, on: Database = db): OutboxRelay {
    const started = startOutboxRelay({ db: on, logger: silentLogger(), sweepIntervalMs: NO_SWEEP, ...options });
    relays.push(started);
    return started;
  }

  async function publishOne(tenantId = 'acme', on: Database = db): Promise<EventEnvelope<'message.read'>> {
    const event = sampleEvent(tenantId, crypto.randomUUID(), 1);
    await on.inTenant(tenantId, (tx) => tx.publish(event, event.data.channelId));
    return event;
  }

  const idsOf = (events: readonly EventEnvelope[]) => events.map((e) => e.id);
  const unpublished = async () =>
    ((await db.dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')) as Array<{ n: number }>)[0]?.n;

  test('events leave right after commit, in order, in batches, and are marked published', async () => {
    const bus = new RecordingBus();
    const metrics = new Metrics('db-outbox-test', { processMetrics: false });
    relay({ bus, batchSize: 2, metrics });
    const channelId = crypto.randomUUID();
    const events = [1, 2, 3, 4, 5].map((seq) => sampleEvent('acme', channelId, seq));
    await db.inTenant('acme', async (tx) => {
      for (const event of events) await tx.publish(event, channelId);
    });
    await waitFor(async () => bus.published.length === 5 || undefined, { what: 'five events' });
    assert.deepEqual(idsOf(bus.published), idsOf(events));
    assert.deepEqual(bus.published[0], events[0], 'the envelope arrives as written');
    assert.equal(bus.publishCalls, 3, 'batches of two');
    await waitFor(async () => (await unpublished()) === 0 || undefined, { what: 'rows marked' });
    const lag = (await metrics.registry.getSingleMetricAsString('outbox_lag_seconds')).match(/outbox_lag_seconds_count\S* (\d+)/);
    assert.equal(lag?.[1], '5');
  });

  test('a rolled-back transaction publishes nothing', async () => {
    const bus = new RecordingBus();
    relay({ bus });
    const doomed = sampleEvent('acme', crypto.randomUUID(), 1);
    await assert.rejects(
      db.inTenant('acme', async (tx) => {
        await tx.publish(doomed, doomed.data.channelId);
        throw new Error('state change refused');
      }),
      /state change refused/,
    );
    const kept = await publishOne();
    await waitFor(async () => bus.published.length > 0 || undefined, { what: 'the committed event' });
    assert.deepEqual(idsOf(bus.published), [kept.id]);
    const rows = await db.dataSource.query('SELECT event_id FROM outbox');
    assert.deepEqual(rows, [{ event_id: kept.id }]);
  });

  test('events of one aggregate leave in commit order with two relays on one database', async () => {
    const replica = await open();
    const log: EventEnvelope[] = [];
    // Publications take a random while, so two batches in flight at once would interleave.
    const recordInSharedLog = async (events: readonly EventEnvelope[]) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      log.push(...events);
    };
    const busA = new RecordingBus();
    const busB = new RecordingBus();
    busA.onPublish = recordInSharedLog;
    busB.onPublish = recordInSharedLog;

    const aggregates = Array.from({ length: 4 }, () => crypto.randomUUID());
    for (const id of aggregates) {
      await db.inTenant('acme', (tx) => tx.query(`INSERT INTO aggregates (id, tenant_id) VALUES ($1, 'acme')`, [id]));
    }
    // Like a service: lock the aggregate's row, change it, publish what changed.
    const change = (handle: Database, id: string) =>
      handle.inTenant('acme', async (tx) => {
        const [row] = await tx.query<{ version: number }>('UPDATE aggregates SET version = version + 1 WHERE id = $1 RETURNING version', [id]);
        assert.ok(row);
        await tx.publish(sampleEvent('acme', id, row.version), id);
      });
    const changeEach = (times: number) =>
      Promise.all(
        aggregates.map(async (id, n) => {
          for (let i = 0; i < times; i++) await change((i + n) % 2 === 0 ? db : replica, id);
        }),
      );

    // A backlog both relays find at start, then changes committed while they run.
    await changeEach(15);
    relay({ bus: busA, batchSize: 7 });
    relay({ bus: busB, batchSize: 7 }, replica);
    await changeEach(15);

    const perAggregate = 30;
    await waitFor(async () => log.length === aggregates.length * perAggregate || undefined, { what: 'every event', timeoutMs: 20_000 });
    for (const id of aggregates) {
      const seqs = log.flatMap((e) => (e.type === 'message.read' && e.data.channelId === id ? [e.data.seq] : []));
      assert.deepEqual(seqs, Array.from({ length: perAggregate }, (_, i) => i + 1), `order of aggregate ${id}`);
    }
    assert.equal(new Set(idsOf(log)).size, log.length, 'no event published twice');
    assert.ok(busA.published.length > 0 && busB.published.length > 0, 'both relays took part');
  });

  test('a failing bus leaves the rows; they leave once it recovers', async () => {
    const bus = new RecordingBus();
    bus.failure = new Error('broker unreachable');
    relay({ bus, retryDelayMs: 20, maxRetryDelayMs: 100 });
    const event = await publishOne();
    await waitFor(async () => bus.publishCalls >= 3 || undefined, { what: 'retries' });
    assert.equal(bus.published.length, 0);
    assert.equal(await unpublished(), 1);
    bus.failure = null;
    await waitFor(async () => bus.published.length > 0 || undefined, { what: 'publication after recovery' });
    assert.deepEqual(idsOf(bus.published), [event.id]);
    await waitFor(async () => (await unpublished()) === 0 || undefined, { what: 'the row marked' });
  });

  test('an event committed by a process killed before publishing leaves after a restart', async () => {
    const child = spawn(process.execPath, [FIXTURE, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const eventId = await waitFor(async () => /committed (\S+)/.exec(output)?.[1], { what: `the fixture's commit (${output})`, timeoutMs: 20_000 });
      // Its relay has claimed the row (locks held) and its bus will never confirm.
      await waitFor(async () => output.includes('publishing') || undefined, { what: "the fixture's relay" });
      child.kill('SIGKILL');
      await exited;

      const bus = new RecordingBus();
      relay({ bus, sweepIntervalMs: 100 });
      await waitFor(async () => bus.published.length > 0 || undefined, { what: 'the orphaned event' });
      assert.deepEqual(idsOf(bus.published), [eventId]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('stop() publishes what is left, even rows it was not woken for', async () => {
    const replica = await open();
    const bus = new RecordingBus();
    const started = startOutboxRelay({ db, bus, logger: silentLogger(), sweepIntervalMs: NO_SWEEP });
    // Let the relay's first look at the outbox pass (if it did not, the test would prove less, not fail).
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Committed through another handle: this relay is not woken and does not sweep.
    const event = await publishOne('acme', replica);
    await started.stop();
    assert.deepEqual(idsOf(bus.published), [event.id]);
  });

  test('published rows are purged after their retention', async () => {
    const bus = new RecordingBus();
    relay({ bus, purgeAfterMs: 0, purgeIntervalMs: 50 });
    await publishOne();
    await waitFor(async () => bus.published.length === 1 || undefined, { what: 'publication' });
    await waitFor(async () => ((await db.dataSource.query('SELECT 1 FROM outbox')) as unknown[]).length === 0 || undefined, { what: 'the purge' });
  });
});
