import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '@chat/telemetry';
import { waitFor } from '@chat/test-kit';
import { DatabaseUnavailableError, openDatabase, startOutboxRelay, type Database } from '../src/index.ts';
import { RecordingBus, SampleSchema1700000000000, sampleDatabase, sampleEvent } from './helpers.ts';

/**
 * A TCP relay in front of PostgreSQL that can be cut and restored on the same port, so an outage
 * is simulated without touching the server other tests share.
 */
class CuttableLink {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.#target.port, this.#target.host);
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        this.#sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.#sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.#server = server;
  }

  /** Refuses new connections and cuts the open ones. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

describe('PostgreSQL outage', () => {
  let link: CuttableLink;
  let db: Database;
  let cleanup: () => Promise<void>;

  before(async () => {
    const sample = await sampleDatabase('db_outage');
    cleanup = sample.cleanup;
    const direct = new URL(sample.testDb.url);
    link = new CuttableLink({ host: direct.hostname, port: Number(direct.port || 5432) });
    await link.up();
    const viaLink = new URL(direct);
    viaLink.hostname = '127.0.0.1';
    viaLink.port = String(link.port);
    db = await openDatabase({ url: viaLink.toString(), service: 'db_outage', migrations: [SampleSchema1700000000000], logger: silentLogger() });
  });
  after(async () => {
    await link.down();
    await db.close();
    await cleanup();
  });

  test('while the database is unreachable, transactions and ping answer DatabaseUnavailableError; then they recover', async () => {
    await db.inTenant('acme', (tx) => tx.query('SELECT 1'));
    await link.down();
    await assert.rejects(db.inTenant('acme', (tx) => tx.query('SELECT 1')), DatabaseUnavailableError);
    await assert.rejects(db.acrossTenants((tx) => tx.query('SELECT 1')), DatabaseUnavailableError);
    await assert.rejects(db.ping(), DatabaseUnavailableError);
    await link.up();
    await waitFor(async () => (await db.ping(), true), { what: 'the database back' });
    assert.deepEqual(await db.inTenant('acme', (tx) => tx.query('SELECT 1 AS one')), [{ one: 1 }]);
  });

  test('the relay keeps committed events through an outage and publishes them after it', async () => {
    const bus = new RecordingBus();
    const relay = startOutboxRelay({ db, bus, logger: silentLogger(), sweepIntervalMs: 50, retryDelayMs: 20, maxRetryDelayMs: 100 });
    try {
      // The bus confirms, then the link is cut before the relay can mark the row.
      bus.onPublish = () => link.down();
      const event = sampleEvent('acme', crypto.randomUUID(), 1);
      await db.inTenant('acme', (tx) => tx.publish(event, event.data.channelId));
      await waitFor(async () => bus.publishCalls > 0 || undefined, { what: 'the first attempt' });
      bus.onPublish = null;
      await link.up();
      const marked = async () =>
        ((await db.dataSource.query('SELECT 1 FROM outbox WHERE event_id = $1 AND published_at IS NOT NULL', [event.id])) as unknown[]).length > 0;
      await waitFor(async () => (await marked()) || undefined, { what: 'the row marked after the outage' });
      // At least once: the unmarked row was published again, which consumers' inboxes absorb.
      assert.deepEqual(bus.published.map((e) => e.id), [event.id, event.id]);
    } finally {
      await relay.stop();
    }
  });
});
