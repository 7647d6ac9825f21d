import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../src/index.ts';
import { sqlLiteral, statementName } from '../src/statements.ts';
import { sampleDatabase, sampleEvent } from './helpers.ts';

/** Texts that would break or widen a statement if they were not quoted right. */
const AWKWARD = ["o'brien", "it''s", 'back\\slash', "\\'; DROP TABLE notes; --", 'ends with \\', 'tab\there', 'ünïcødé ✓', "'", '\\', '', '$1', 'E\'x\''];

describe('statements the kit sends several to a round trip', () => {
  let db: Database;
  let cleanup: () => Promise<void>;

  before(async () => {
    ({ db, cleanup } = await sampleDatabase('db_statements'));
  });
  after(() => cleanup());

  test('a literal reads back as exactly the text it quotes', async () => {
    for (const text of AWKWARD) {
      const [row] = (await db.dataSource.query(`SELECT ${sqlLiteral(text)}::text AS value`)) as Array<{ value: string }>;
      assert.equal(row?.value, text, `round trip of ${JSON.stringify(text)}`);
    }
  });

  test('a tenant id of any shape scopes its transaction to exactly that tenant', async () => {
    for (const tenantId of AWKWARD.filter((text) => text !== '')) {
      await db.inTenant(tenantId, (tx) => tx.query('INSERT INTO notes (tenant_id, body) VALUES ($1, $2)', [tenantId, 'awkward']));
      const seen = await db.inTenant(tenantId, (tx) => tx.query<{ tenant_id: string; setting: string }>(
        "SELECT tenant_id, current_setting('app.tenant_id') AS setting FROM notes WHERE body = 'awkward'",
      ));
      assert.deepEqual(seen, [{ tenant_id: tenantId, setting: tenantId }], `scope of ${JSON.stringify(tenantId)}`);
      await db.dataSource.query(`DELETE FROM notes WHERE body = 'awkward'`);
    }
  });

  test('events with awkward text reach the outbox intact, with the commit', async () => {
    const event = { ...sampleEvent("te'n\\ant", crypto.randomUUID(), 1) };
    await db.inTenant(event.tenantId, (tx) => tx.publish(event, "agg'\\regate"));
    const rows = (await db.dataSource.query('SELECT aggregate_id, tenant_id, envelope FROM outbox WHERE event_id = $1', [event.id])) as Array<{
      aggregate_id: string;
      tenant_id: string;
      envelope: unknown;
    }>;
    assert.deepEqual(rows, [{ aggregate_id: "agg'\\regate", tenant_id: "te'n\\ant", envelope: event }]);
  });

  test('a statement is prepared from its second run on, under one name', () => {
    const text = `SELECT ${Math.random()} AS probe`;
    assert.equal(statementName(text), undefined, 'a first run prepares nothing');
    const name = statementName(text);
    assert.ok(name);
    assert.equal(statementName(text), name);
    assert.notEqual(statementName(`${text} -- another`), name);
  });
});
