import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { migrateOnly, openDatabase, type Database } from '@chat/database';
import { silentLogger } from '@chat/telemetry';
import { createTestDatabase, type TestDatabase } from '@chat/test-kit';
import { TicketsSchema1764151200000 } from '../src/store/migrations/1764151200000-tickets-schema.ts';
import { PlatformQueue1764700000000 } from '../src/store/migrations/1764700000000-platform-queue.ts';

/**
 * The migrations as production runs them: by the database's owner, no superuser, whom FORCEd
 * row-level security binds like everyone else. A later migration still brings along the rows
 * that are already there.
 */
const owner = `tickets_owner_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
let database: TestDatabase;
let admin: Database;
let asOwner: string;

before(async () => {
  database = await createTestDatabase('tickets_migrations');
  admin = await openDatabase({ url: database.url, service: 'tickets_migrations', migrations: [], migrate: false, logger: silentLogger() });
  await admin.dataSource.query(`CREATE ROLE ${owner} LOGIN CREATEROLE`);
  await admin.dataSource.query(`ALTER DATABASE ${database.name} OWNER TO ${owner}`);
  const url = new URL(database.url);
  url.username = owner;
  asOwner = url.toString();
});

after(async () => {
  // The database goes first: the role owns it.
  await admin?.dataSource.query(`ALTER DATABASE ${database.name} OWNER TO CURRENT_USER`);
  await admin?.close();
  await database?.drop();
  const postgres = new URL(database.url);
  postgres.pathname = '/postgres';
  const cluster = await openDatabase({ url: postgres.toString(), service: 'tickets_migrations', migrations: [], migrate: false, logger: silentLogger() });
  await cluster.dataSource.query(`DROP ROLE IF EXISTS ${owner}`);
  await cluster.close();
});

const migrate = (migrations: (typeof TicketsSchema1764151200000 | typeof PlatformQueue1764700000000)[]) =>
  migrateOnly({ url: asOwner, service: 'tickets_migrations', migrations, logger: silentLogger() });

it("gives platform staff's queue the participants of the tickets opened before it", async () => {
  assert.ok((await migrate([TicketsSchema1764151200000])).includes('TicketsSchema1764151200000'));
  await admin.dataSource.query(
    `INSERT INTO tickets (id, tenant_id, number, channel_id, channel_type, channel_status, channel_revision, participant_ids,
                          subject, category, priority, status, created_by, first_response_due_at, resolution_due_at,
                          resolution_clock_from, created_at, updated_at)
     SELECT gen_random_uuid(), 'tenant-' || (g % 3), g, gen_random_uuid(), 'SUPPORT', 'ACTIVE', 1, ARRAY['customer-' || g, 'agent-' || (g % 2)],
            'case ' || g, 'OTHER', 'MEDIUM', 'OPEN', 'customer-' || g, now(), now(), now(), now(), now()
       FROM generate_series(1, 30) g`,
  );
  assert.deepEqual(await migrate([TicketsSchema1764151200000, PlatformQueue1764700000000]), ['PlatformQueue1764700000000']);
  const pairs = async (sql: string) => ((await admin.dataSource.query(sql)) as { pair: string }[]).map((row) => row.pair);
  const kept = await pairs(`SELECT tenant_id || ' ' || ticket_id || ' ' || user_id AS pair FROM ticket_participants ORDER BY 1`);
  assert.equal(kept.length, 60);
  assert.deepEqual(kept, await pairs(`SELECT tenant_id || ' ' || id || ' ' || unnest(participant_ids) AS pair FROM tickets ORDER BY 1`));
  const [forced] = (await admin.dataSource.query(`SELECT relforcerowsecurity AS forced FROM pg_class WHERE relname = 'tickets'`)) as { forced: boolean }[];
  assert.equal(forced?.forced, true, 'tickets are under FORCEd row-level security again');
});
