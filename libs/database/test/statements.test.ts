import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../src/index.ts';
import pg from 'pg';
import { statementName, withLiterals } from '../src/statements.ts';
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
      const [row] = (await db.dataSource.query(`SELECT ${pg.escapeLiteral(text)}::text AS value`)) as Array<{ value: string }>;
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

  test('a first statement sent with its BEGIN reads its parameters as the prepared statement would', async () => {
    const sql = `SELECT $1::text AS text, $2::int + 1 AS next, $3::boolean AS flag, $4::text IS NULL AS missing,
                        '$1' AS quoted, "n$1" AS named -- $1 in a comment
                   FROM (SELECT 1 AS "n$1") AS one /* $2 */`;
    for (const text of AWKWARD) {
      const values = [text, 41, true, null];
      const inTransaction = await db.inTenant('acme', (tx) => tx.query(sql, values));
      const alone = (await db.dataSource.query(sql, values)) as unknown[];
      assert.deepEqual(inTransaction, alone, `first statement with ${JSON.stringify(text)}`);
      assert.deepEqual(inTransaction, [{ text, next: 42, flag: true, missing: true, quoted: '$1', named: 1 }]);
    }
  });

  test('a first statement reads an array parameter element for element, nulls included', async () => {
    const values = [...AWKWARD, null, '"quoted"', 'a,b', '{braces}', 'NULL', ' spaced '];
    const sql = 'SELECT t.value, t.at FROM unnest($1::text[]) WITH ORDINALITY AS t (value, at) ORDER BY t.at';
    const inTransaction = await db.inTenant('acme', (tx) => tx.query<{ value: string | null }>(sql, [values]));
    assert.deepEqual(inTransaction.map((row) => row.value), values);
  });

  test('parameters are written in only where the scan is certain; anything else goes as parameters', () => {
    assert.equal(withLiterals('SELECT $1, $2, $10', ['a', 2, 'ten', 4, 5, 6, 7, 8, 9, null]), "SELECT 'a', '2', NULL");
    assert.equal(withLiterals("SELECT '$1', \"$1\", $1 -- $1\n", ["it's"]), "SELECT '$1', \"$1\", 'it''s' -- $1\n");
    assert.equal(withLiterals('SELECT $1', [new Date()]), undefined, 'a date is written as node-postgres writes it');
    assert.equal(withLiterals('SELECT $1', [[new Date()]]), undefined, 'arrays of them too');
    assert.equal(withLiterals('SELECT $1', [[{ a: 1 }]]), undefined, 'and of objects');
    assert.equal(withLiterals('SELECT $1', []), undefined, 'a parameter without a value');
    assert.equal(withLiterals("SELECT E'\\n', $1", ['x']), undefined, 'backslashes in the statement');
    assert.equal(withLiterals('SELECT $$ $1 $$', ['x']), undefined, 'dollar quotes');
    assert.equal(withLiterals("SELECT 'unterminated $1", ['x']), undefined);
  });

  test('a transaction that fails in its first statement leaves nothing, and the connection serves the next', async () => {
    await assert.rejects(db.inTenant('acme', (tx) => tx.query('INSERT INTO notes (tenant_id, body) VALUES ($1, $2), ($1, NULL)', ['acme', 'half'])));
    await db.inTenant('acme', async (tx) => {
      await tx.query('INSERT INTO notes (tenant_id, body) VALUES ($1, $2)', ['acme', 'whole']);
      await tx.query('SELECT 1');
    });
    const rows = (await db.dataSource.query("SELECT body FROM notes WHERE body IN ('half', 'whole')")) as unknown[];
    assert.deepEqual(rows, [{ body: 'whole' }]);
    await db.dataSource.query("DELETE FROM notes WHERE body = 'whole'");
  });
});
