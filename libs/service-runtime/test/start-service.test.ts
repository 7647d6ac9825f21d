import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { createVerifier } from '@chat/auth';
import { makeEnvelope, SYSTEM_ACTOR, type EventEnvelope } from '@chat/contracts';
import { createInProcessBus } from '@chat/event-bus';
import { silentLogger } from '@chat/telemetry';
import { createTestDatabase, postgresAdminUrl, TEST_JWT_SECRET, type TestDatabase } from '@chat/test-kit';
import { startService, type ServiceDefinition } from '../src/index.ts';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase('runtime_start');
});
after(() => database?.drop());

async function connectionsTo(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: postgresAdminUrl() });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [new URL(url).pathname.slice(1)]);
    return rows[0]?.n ?? 0;
  } finally {
    await admin.end();
  }
}

it('stops what it had started when it cannot come up (its port is taken)', async () => {
  const taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const bus = createInProcessBus({ logger: silentLogger() });
  const handled: EventEnvelope[] = [];
  const definition: ServiceDefinition = {
    name: 'channels',
    migrations: [],
    routes() {},
    consumers: () => [{ name: 'probe', patterns: ['message.read'], handle: async (event) => void handled.push(event) }],
  };
  try {
    await assert.rejects(
      startService(definition, {
        databaseUrl: database.url,
        bus,
        verifier: createVerifier({ secret: TEST_JWT_SECRET }),
        logger: silentLogger(),
        host: '127.0.0.1',
        port: (taken.address() as AddressInfo).port,
      }),
    );
  } finally {
    taken.close();
  }
  assert.equal(await connectionsTo(database.url), 0, 'its database connections are closed');
  await bus.publish([makeEnvelope('message.read', 'acme', SYSTEM_ACTOR, { channelId: crypto.randomUUID(), userId: 'u1', seq: 1 })]).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(handled, [], 'its consumer is gone');
  await bus.close();
});
