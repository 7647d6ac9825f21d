import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { silentLogger } from '@chat/telemetry';
import { createTestDatabase, postgresAdminUrl, type TestDatabase } from '@chat/test-kit';
import pg from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ensureDatabase, migrateOnly, openDatabase, type Database } from '../src/index.ts';
import { ensureAppRoleSql } from '../src/rls.ts';

/** Fails if run twice (no IF NOT EXISTS), and is slow enough for two runners to overlap. */
class CreateLedger1700000000001 implements MigrationInterface {
  name = 'CreateLedger1700000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Needs the kit's outbox: the kit's migrations must already have run.
    await queryRunner.query('SELECT count(*) FROM outbox');
    await queryRunner.query('SELECT pg_sleep(0.3)');
    await queryRunner.query('CREATE TABLE ledger (run_at timestamptz NOT NULL DEFAULT now())');
    await queryRunner.query('INSERT INTO ledger DEFAULT VALUES');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ledger');
  }
}

class TooOld0000000000005 implements MigrationInterface {
  name = 'TooOld0000000000005';
  async up(): Promise<void> {}
  async down(): Promise<void> {}
}

describe('migrations', () => {
  const databases: TestDatabase[] = [];
  const opened: Database[] = [];
  after(async () => {
    await Promise.all(opened.map((db) => db.close()));
    await Promise.all(databases.map((d) => d.drop()));
  });

  async function freshDatabase(prefix: string): Promise<TestDatabase> {
    const created = await createTestDatabase(prefix);
    databases.push(created);
    return created;
  }

  const options = (url: string) => ({ url, service: 'db_migrations', migrations: [CreateLedger1700000000001], logger: silentLogger() });

  test('two processes starting at the same moment run each migration once', async () => {
    const { url } = await freshDatabase('db_migrate_race');
    const both = await Promise.all([openDatabase(options(url)), openDatabase(options(url))]);
    opened.push(...both);
    const [db] = both;
    assert.ok(db);
    const ledger = await db.dataSource.query('SELECT count(*)::int AS n FROM ledger');
    assert.deepEqual(ledger, [{ n: 1 }]);
    const ran = await db.dataSource.query('SELECT name FROM migrations ORDER BY id');
    assert.deepEqual(
      ran.map((r: { name: string }) => r.name),
      ['DatabaseKitBase1000000000000', 'CreateLedger1700000000001'],
    );
  });

  test("several databases on one server migrate at the same moment (the role is the cluster's)", async () => {
    const urls = await Promise.all(['db_migrate_channels', 'db_migrate_messaging', 'db_migrate_tickets'].map(async (p) => (await freshDatabase(p)).url));
    const ran = await Promise.all(urls.map((url) => migrateOnly(options(url))));
    assert.deepEqual(ran.map((names) => names.length), [2, 2, 2]);
  });

  test('creating the request role and granting it is safe when databases race to do it', async () => {
    const suffix = `${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    const role = `db_race_role_${suffix}`;
    const owner = `db_race_owner_${suffix}`;
    const admin = new pg.Client({ connectionString: postgresAdminUrl() });
    await admin.connect();
    const owned: TestDatabase[] = [];
    try {
      // A non-superuser owner, so that the GRANT to itself is taken too, not only CREATE ROLE.
      await admin.query(`CREATE ROLE ${owner} LOGIN CREATEROLE`);
      for (let i = 0; i < 6; i++) {
        const created = await createTestDatabase('db_race');
        owned.push(created);
        await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(created.name)} OWNER TO ${owner}`);
      }
      await Promise.all(
        owned.map(async ({ url }) => {
          const asOwner = new URL(url);
          asOwner.username = owner;
          const client = new pg.Client({ connectionString: asOwner.toString() });
          await client.connect();
          try {
            await client.query(ensureAppRoleSql(role));
          } finally {
            await client.end();
          }
        }),
      );
      const { rows } = await admin.query(
        `SELECT rolcanlogin, rolbypassrls, pg_has_role($2, oid, 'MEMBER') AS owner_member FROM pg_roles WHERE rolname = $1`,
        [role, owner],
      );
      assert.deepEqual(rows, [{ rolcanlogin: false, rolbypassrls: false, owner_member: true }]);
    } finally {
      await Promise.all(owned.map((d) => d.drop()));
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.query(`DROP ROLE IF EXISTS ${owner}`);
      await admin.end();
    }
  });

  test('migrateOnly applies what is pending, and then nothing', async () => {
    const { url } = await freshDatabase('db_migrate_only');
    assert.deepEqual(await migrateOnly(options(url)), ['DatabaseKitBase1000000000000', 'CreateLedger1700000000001']);
    assert.deepEqual(await migrateOnly(options(url)), []);
    const db = await openDatabase({ ...options(url), migrate: false });
    opened.push(db);
    const [role] = await db.dataSource.query(`SELECT rolcanlogin, rolbypassrls FROM pg_roles WHERE rolname = 'chat_app'`);
    assert.deepEqual(role, { rolcanlogin: false, rolbypassrls: false });
  });

  test('a service migration dated before the kit is refused', async () => {
    const { url } = await freshDatabase('db_migrate_old');
    await assert.rejects(openDatabase({ ...options(url), migrations: [TooOld0000000000005] }), /later than 1000000000000/);
  });

  test('ensureDatabase creates a missing database once, even when asked concurrently', async () => {
    const name = `db_ensure_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    const admin = new pg.Client({ connectionString: postgresAdminUrl() });
    await admin.connect();
    try {
      await Promise.all(Array.from({ length: 4 }, () => ensureDatabase(postgresAdminUrl(), name)));
      await ensureDatabase(postgresAdminUrl(), name);
      const { rows } = await admin.query('SELECT datname FROM pg_database WHERE datname = $1', [name]);
      assert.equal(rows.length, 1);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.end();
    }
  });
});
