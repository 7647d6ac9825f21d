import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '@chat/telemetry';
import { freePort, postgresAdminUrl } from '@chat/test-kit';
import pg from 'pg';
import { DatabaseUnavailableError, openDatabase, type Database } from '../src/index.ts';
import { SampleSchema1700000000000, sampleDatabase } from './helpers.ts';

describe('transactions', () => {
  let db: Database;
  let cleanup: () => Promise<void>;
  const admin = new pg.Client({ connectionString: postgresAdminUrl() });

  before(async () => {
    ({ db, cleanup } = await sampleDatabase('db_tx', { poolSize: 2 }));
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await cleanup();
  });

  async function twoAggregates(): Promise<[string, string]> {
    const ids: [string, string] = [crypto.randomUUID(), crypto.randomUUID()];
    await db.inTenant('acme', async (tx) => {
      for (const id of ids) await tx.query(`INSERT INTO aggregates (id, tenant_id) VALUES ($1, 'acme')`, [id]);
    });
    return ids;
  }

  test('a deadlock is resolved by running the losing transaction again', async () => {
    const [first, second] = await twoAggregates();
    let attempts = 0;
    let bothHoldOne!: () => void;
    const barrier = new Promise<void>((resolve) => (bothHoldOne = resolve));
    let holding = 0;
    // Each locks one row, waits until the other holds the other row, then wants it.
    const crosswise = (a: string, b: string) =>
      db.inTenant('acme', async (tx) => {
        attempts += 1;
        await tx.query('UPDATE aggregates SET version = version + 1 WHERE id = $1', [a]);
        if (++holding === 2) bothHoldOne();
        await barrier;
        await tx.query('UPDATE aggregates SET version = version + 1 WHERE id = $1', [b]);
      });
    await Promise.all([crosswise(first, second), crosswise(second, first)]);
    assert.equal(attempts, 3, 'one of the two ran twice');
    const rows = await db.dataSource.query('SELECT version FROM aggregates WHERE id = ANY($1)', [[first, second]]);
    assert.deepEqual(rows.map((r: { version: number }) => r.version), [2, 2]);
  });

  test('a serialization failure is resolved by running the transaction again', async () => {
    const [id] = await twoAggregates();
    let attempts = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    let reading = 0;
    const increment = () =>
      db.inTenant(
        'acme',
        async (tx) => {
          attempts += 1;
          const [row] = await tx.query<{ version: number }>('SELECT version FROM aggregates WHERE id = $1', [id]);
          if (++reading === 2) bothRead();
          await barrier;
          await tx.query('UPDATE aggregates SET version = $2 WHERE id = $1', [id, (row?.version ?? 0) + 1]);
        },
        { isolation: 'SERIALIZABLE' },
      );
    await Promise.all([increment(), increment()]);
    assert.equal(attempts, 3);
    const [row] = await db.dataSource.query('SELECT version FROM aggregates WHERE id = $1', [id]);
    assert.equal(row.version, 2, 'no lost update');
  });

  test('a connection cut mid-transaction surfaces as DatabaseUnavailableError, and the pool recovers', async () => {
    await assert.rejects(
      db.inTenant('acme', async (tx) => {
        const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [me?.pid]);
        await tx.query('SELECT 1');
      }),
      DatabaseUnavailableError,
    );
    const rows = await db.inTenant('acme', (tx) => tx.query('SELECT 1 AS one'));
    assert.deepEqual(rows, [{ one: 1 }]);
    await db.ping();
  });

  test('ping answers within its timeout or reports the database unavailable', async () => {
    await db.ping();
    // Both pooled connections busy: the ping cannot get one in time.
    const busy = [1, 2].map(() => db.inTenant('acme', (tx) => tx.query('SELECT pg_sleep(0.6)')));
    await assert.rejects(db.ping(200), DatabaseUnavailableError);
    await Promise.all(busy);
    await db.ping();
  });

  test('a closed database answers DatabaseUnavailableError', async () => {
    const { db: other, cleanup: dropOther } = await sampleDatabase('db_tx_closed');
    await other.close();
    await assert.rejects(other.inTenant('acme', async () => undefined), DatabaseUnavailableError);
    await assert.rejects(other.ping(), DatabaseUnavailableError);
    await dropOther();
  });

  test('opening a database on a server that is down answers DatabaseUnavailableError', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/nothing`;
    await assert.rejects(
      openDatabase({ url, service: 'db_tx_down', migrations: [SampleSchema1700000000000], logger: silentLogger() }),
      DatabaseUnavailableError,
    );
  });
});
