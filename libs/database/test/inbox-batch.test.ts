import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventEnvelope } from '@chat/contracts';
import type { Database } from '../src/index.ts';
import { sampleDatabase, sampleEvent } from './helpers.ts';

describe('inbox: handleAllOnce', () => {
  let db: Database;
  let cleanup: () => Promise<void>;

  before(async () => {
    ({ db, cleanup } = await sampleDatabase('db_inbox_batch'));
  });
  after(() => cleanup());

  const noteAll = (body: string) => async (tx: Parameters<Parameters<Database['handleAllOnce']>[2]>[0], events: readonly EventEnvelope[]) => {
    for (const event of events) await tx.query('INSERT INTO notes (tenant_id, body) VALUES ($1, $2)', [tx.tenantId, `${body} ${event.id}`]);
  };
  const notesLike = async (body: string) =>
    ((await db.dataSource.query(`SELECT tenant_id, body FROM notes WHERE body LIKE $1 ORDER BY id`, [`${body} %`])) as Array<{ tenant_id: string; body: string }>);

  test('new events are applied together, one transaction per tenant, each in its own tenant and order', async () => {
    const events = [sampleEvent('acme', crypto.randomUUID(), 1), sampleEvent('globex', crypto.randomUUID(), 1), sampleEvent('acme', crypto.randomUUID(), 2)];
    const calls: Array<{ tenantId: string; ids: string[] }> = [];
    await db.handleAllOnce('tickets', events, async (tx, ofTenant) => {
      calls.push({ tenantId: tx.tenantId, ids: ofTenant.map((event) => event.id) });
      await noteAll('together')(tx, ofTenant);
    });
    assert.deepEqual(calls, [
      { tenantId: 'acme', ids: [events[0]!.id, events[2]!.id] },
      { tenantId: 'globex', ids: [events[1]!.id] },
    ]);
    assert.deepEqual((await notesLike('together')).map((note) => note.tenant_id).sort(), ['acme', 'acme', 'globex']);
    // Each is now known to the inbox: one by one, they are repeats.
    for (const event of events) assert.equal(await db.handleOnce('tickets', event, async () => undefined), false);
  });

  test('a batch holding an event handled before changes nothing and throws, so that each goes alone', async () => {
    const seen = sampleEvent('acme', crypto.randomUUID(), 1);
    const fresh = sampleEvent('acme', crypto.randomUUID(), 2);
    await db.handleOnce('channels', seen, async () => undefined);
    await assert.rejects(db.handleAllOnce('channels', [fresh, seen], noteAll('repeat')), /handled before/);
    assert.deepEqual(await notesLike('repeat'), []);
    // The fresh one was not marked handled by the failed batch.
    assert.equal(await db.handleOnce('channels', fresh, async () => undefined), true);
  });

  test('the same event twice in one batch is a repeat too', async () => {
    const event = sampleEvent('acme', crypto.randomUUID(), 1);
    await assert.rejects(db.handleAllOnce('channels', [event, event], noteAll('twice')), /handled before/);
    assert.deepEqual(await notesLike('twice'), []);
  });

  test('a handler that fails rolls back the inbox rows of its tenant with it', async () => {
    const event = sampleEvent('acme', crypto.randomUUID(), 1);
    await assert.rejects(
      db.handleAllOnce('messaging', [event], async (tx, events) => {
        await noteAll('failed')(tx, events);
        throw new Error('handler failed');
      }),
      /handler failed/,
    );
    assert.deepEqual(await notesLike('failed'), []);
    assert.equal(await db.handleOnce('messaging', event, async () => undefined), true);
  });
});
