import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database, TenantTx } from '../src/index.ts';
import { sampleDatabase, sampleEvent } from './helpers.ts';

describe('inbox: handleOnce', () => {
  let db: Database;
  let cleanup: () => Promise<void>;

  before(async () => {
    ({ db, cleanup } = await sampleDatabase('db_inbox'));
  });
  after(() => cleanup());

  /** The handler under test: records the event as a note of the event's tenant. */
  const addNote = (body: string) => async (tx: TenantTx) => {
    await tx.query('INSERT INTO notes (tenant_id, body) VALUES ($1, $2)', [tx.tenantId, body]);
  };
  const notes = async (body: string) =>
    ((await db.dataSource.query('SELECT tenant_id FROM notes WHERE body = $1', [body])) as Array<{ tenant_id: string }>);

  test('an event handled twice is applied once, in its tenant', async () => {
    const event = sampleEvent('acme', crypto.randomUUID(), 1);
    assert.equal(await db.handleOnce('messaging', event, addNote('twice')), true);
    assert.equal(await db.handleOnce('messaging', event, addNote('twice')), false);
    assert.deepEqual(await notes('twice'), [{ tenant_id: 'acme' }]);
  });

  test('deliveries of one event running at the same moment apply it once', async () => {
    const event = sampleEvent('acme', crypto.randomUUID(), 1);
    const slowNote = async (tx: TenantTx) => {
      await addNote('concurrent')(tx);
      // Hold the transaction open so that the other deliveries really overlap it.
      await tx.query('SELECT pg_sleep(0.05)');
    };
    const ran = await Promise.all(Array.from({ length: 5 }, () => db.handleOnce('messaging', event, slowNote)));
    assert.deepEqual(ran.filter(Boolean).length, 1);
    assert.equal((await notes('concurrent')).length, 1);
  });

  test('a handler that failed leaves no trace, so the redelivery applies the event', async () => {
    const event = sampleEvent('acme', crypto.randomUUID(), 1);
    await assert.rejects(
      db.handleOnce('messaging', event, async (tx) => {
        await addNote('retried')(tx);
        throw new Error('handler failed');
      }),
      /handler failed/,
    );
    assert.equal((await notes('retried')).length, 0);
    assert.equal(await db.handleOnce('messaging', event, addNote('retried')), true);
    assert.equal((await notes('retried')).length, 1);
  });

  test('each consumer handles the event once for itself', async () => {
    const event = sampleEvent('globex', crypto.randomUUID(), 1);
    assert.equal(await db.handleOnce('tickets', event, addNote('per consumer')), true);
    assert.equal(await db.handleOnce('channels', event, addNote('per consumer')), true);
    assert.equal(await db.handleOnce('tickets', event, addNote('per consumer')), false);
    assert.deepEqual(await notes('per consumer'), [{ tenant_id: 'globex' }, { tenant_id: 'globex' }]);
  });
});
