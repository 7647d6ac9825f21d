/**
 * `npm start -w services/channels`: the service as its own process, configured by the
 * environment only, ready once migrated and connected, serving, and exiting cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { amqpUrl, createTestDatabase, deleteAmqpTopology, mintToken, startServiceProcess, TEST_JWT_SECRET, uniqueExchange, uniqueTenant, type StartedProcess, type TestDatabase } from '@chat/test-kit';
import { CONSUMER } from '../src/events/consumer.ts';
import { createBody } from './harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('channels as its own process', () => {
  const exchange = uniqueExchange('channels-process');
  let database: TestDatabase;
  let service: StartedProcess;

  before(async () => {
    database = await createTestDatabase('channels_process');
    service = await startServiceProcess(MAIN, {
      DATABASE_URL: database.url,
      AMQP_URL: amqpUrl(),
      EVENTS_EXCHANGE: exchange,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'warn',
    });
  });
  after(async () => {
    await service?.kill('SIGKILL');
    await database?.drop();
    await deleteAmqpTopology({ exchange, consumers: [CONSUMER] });
  });

  it('serves its routes, then drains and exits 0 on SIGTERM', async () => {
    const token = await mintToken({ userId: 'alice', tenantId: uniqueTenant(), role: 'TENANT_ADMIN' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${service.url}/api/chat/channels`, { method: 'POST', headers, body: JSON.stringify(createBody('TEAM')) });
    assert.equal(created.status, 201);
    const listed = await fetch(`${service.url}/api/chat/channels`, { headers });
    assert.equal(((await listed.json()) as { items: unknown[] }).items.length, 1);
    assert.equal((await fetch(`${service.url}/api/chat/channels`)).status, 401);
    assert.equal(await service.kill('SIGTERM'), 0, service.output());
  });
});
