import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '@chat/telemetry';
import { createTestDatabase, postgresAdminUrl, type TestDatabase } from '@chat/test-kit';
import pg from 'pg';
import { openDatabase, sqlStateOf, type Database } from '../src/index.ts';
import { NoteEntity, SampleSchema1700000000000, sampleDatabase, sampleEvent, type NoteRow } from './helpers.ts';

describe('row-level security', () => {
  let db: Database;
  let cleanup: () => Promise<void>;

  before(async () => {
    // Pool of one: every transaction below reuses the same connection, so anything a
    // transaction left on it would show in the next.
    ({ db, cleanup } = await sampleDatabase('db_rls', { poolSize: 1 }));
    for (const [tenant, body] of [['acme', 'acme 1'], ['acme', 'acme 2'], ['globex', 'globex 1']] as const) {
      await db.inTenant(tenant, (tx) => tx.query('INSERT INTO notes (tenant_id, body) VALUES ($1, $2)', [tenant, body]));
    }
  });
  after(() => cleanup());

  const bodies = (rows: Array<{ body: string }>) => rows.map((r) => r.body).sort();

  test('the pool connects as a superuser, which alone would see every row', async () => {
    const [me] = await db.dataSource.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`);
    assert.equal(me.rolsuper, true);
    const all = await db.dataSource.query('SELECT body FROM notes');
    assert.equal(all.length, 3);
  });

  test('a tenant sees only its rows, through SQL and through the TypeORM manager', async () => {
    const acme = await db.inTenant('acme', (tx) => tx.query<{ body: string }>('SELECT body FROM notes'));
    assert.deepEqual(bodies(acme), ['acme 1', 'acme 2']);
    const globex = await db.inTenant('globex', (tx) => tx.manager.find(NoteEntity));
    assert.deepEqual(bodies(globex), ['globex 1']);
    const asked = await db.inTenant('globex', (tx) => tx.query('SELECT body FROM notes WHERE tenant_id = $1', ['acme']));
    assert.deepEqual(asked, []);
  });

  test('a query without a tenant scope returns nothing', async () => {
    const rows = await db.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL ROLE chat_app`);
      return manager.query('SELECT * FROM notes');
    });
    assert.deepEqual(rows, []);
  });

  test("a tenant cannot change or delete another tenant's rows", async () => {
    const updated = await db.inTenant('acme', (tx) => tx.execute(`UPDATE notes SET body = 'hacked'`));
    assert.equal(updated, 2);
    const deleted = await db.inTenant('globex', (tx) => tx.execute(`DELETE FROM notes WHERE tenant_id = 'acme'`));
    assert.equal(deleted, 0);
    const all = await db.dataSource.query('SELECT tenant_id, body FROM notes ORDER BY id');
    assert.deepEqual(all, [
      { tenant_id: 'acme', body: 'hacked' },
      { tenant_id: 'acme', body: 'hacked' },
      { tenant_id: 'globex', body: 'globex 1' },
    ]);
  });

  test("inserting another tenant's row, or moving a row to another tenant, is refused", async () => {
    await assert.rejects(
      db.inTenant('acme', (tx) => tx.query(`INSERT INTO notes (tenant_id, body) VALUES ('globex', 'planted')`)),
      (err) => sqlStateOf(err) === '42501',
    );
    await assert.rejects(
      db.inTenant('acme', (tx) => tx.manager.save(NoteEntity, { tenantId: 'globex', body: 'planted' } as NoteRow)),
      (err) => sqlStateOf(err) === '42501',
    );
    await assert.rejects(
      db.inTenant('acme', (tx) => tx.execute(`UPDATE notes SET tenant_id = 'globex'`)),
      (err) => sqlStateOf(err) === '42501',
    );
    const [count] = await db.dataSource.query(`SELECT count(*)::int AS n FROM notes WHERE tenant_id = 'globex'`);
    assert.equal(count.n, 1);
  });

  test('a transaction cannot leave its role or scope behind on the pooled connection', async () => {
    await db.inTenant('acme', async (tx) => {
      const [inside] = await tx.query<{ who: string; tenant: string }>(`SELECT current_user AS who, current_setting('app.tenant_id', true) AS tenant`);
      assert.deepEqual(inside, { who: 'chat_app', tenant: 'acme' });
    });
    await assert.rejects(db.inTenant('acme', () => Promise.reject(new Error('handler failed'))), /handler failed/);
    const [outside] = await db.dataSource.query(
      `SELECT current_user AS who, coalesce(current_setting('app.tenant_id', true), '') AS tenant, pg_backend_pid() AS pid`,
    );
    assert.deepEqual({ who: outside.who, tenant: outside.tenant }, { who: 'postgres', tenant: '' });
    const pidInside = await db.inTenant('globex', async (tx) => (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]?.pid);
    assert.equal(pidInside, outside.pid, 'the same pooled connection served both');
  });

  test("cross-tenant reads see every tenant's rows and cannot write", async () => {
    const all = await db.acrossTenants((tx) => tx.query<{ tenant_id: string }>('SELECT tenant_id FROM notes'));
    assert.deepEqual([...new Set(all.map((r) => r.tenant_id))].sort(), ['acme', 'globex']);
    await assert.rejects(
      db.acrossTenants((tx) => tx.execute(`UPDATE notes SET body = 'x'`)),
      (err) => sqlStateOf(err) === '25006',
    );
    // The flag is transaction-local: the next tenant transaction on the connection is scoped again.
    const acme = await db.inTenant('acme', (tx) => tx.query('SELECT 1 FROM notes'));
    assert.equal(acme.length, 2);
  });

  test('an event of another tenant cannot be published from a tenant transaction', async () => {
    await assert.rejects(
      db.inTenant('acme', (tx) => tx.publish(sampleEvent('globex', crypto.randomUUID(), 1), 'agg')),
      /of tenant globex published in a transaction of tenant acme/,
    );
  });
});

describe('row-level security when the URL names a non-superuser owner', () => {
  const admin = new pg.Client({ connectionString: postgresAdminUrl() });
  const owner = `db_rls_owner_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  let testDb: TestDatabase;
  let db: Database | undefined;

  before(async () => {
    await admin.connect();
    // Requests enter chat_app; the role exists once any kit migration ran on this server.
    await (await sampleDatabase('db_rls_role')).cleanup();
    await admin.query(`CREATE ROLE ${pg.escapeIdentifier(owner)} LOGIN`);
    await admin.query(`GRANT chat_app TO ${pg.escapeIdentifier(owner)}`);
    testDb = await createTestDatabase('db_rls_owned');
    await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(testDb.name)} OWNER TO ${pg.escapeIdentifier(owner)}`);
    const url = new URL(testDb.url);
    url.username = owner;
    db = await openDatabase({ url: url.toString(), service: 'db_rls_owned', migrations: [SampleSchema1700000000000], logger: silentLogger() });
  });
  after(async () => {
    await db?.close();
    await testDb?.drop();
    await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(owner)}`);
    await admin.end();
  });

  test("the owner's tables are bound by the FORCEd policies, in and out of a tenant scope", async () => {
    assert.ok(db);
    await db.inTenant('acme', (tx) => tx.query(`INSERT INTO notes (tenant_id, body) VALUES ('acme', 'a')`));
    await db.inTenant('globex', (tx) => tx.query(`INSERT INTO notes (tenant_id, body) VALUES ('globex', 'g')`));
    const [{ tableowner }] = await db.dataSource.query(`SELECT tableowner FROM pg_tables WHERE tablename = 'notes'`);
    assert.equal(tableowner, owner);
    assert.deepEqual(await db.dataSource.query('SELECT body FROM notes'), [], 'the owner outside any scope sees nothing');
    const acme = await db.inTenant('acme', (tx) => tx.query('SELECT body FROM notes'));
    assert.deepEqual(acme, [{ body: 'a' }]);
    await assert.rejects(
      db.inTenant('acme', (tx) => tx.query(`INSERT INTO notes (tenant_id, body) VALUES ('globex', 'planted')`)),
      (err) => sqlStateOf(err) === '42501',
    );
  });
});
