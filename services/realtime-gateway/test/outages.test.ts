import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRabbitBus, type EventBus } from '@chat/event-bus';
import { silentLogger } from '@chat/telemetry';
import { amqpUrl, redisUrl, startTcpProxy, waitFor, type TcpProxy } from '@chat/test-kit';
import { connect, startHarness, uniqueTenant, user, type Harness, type TestSocket } from './support/harness.ts';

/**
 * Redis and the broker reached through proxies that can cut them, so one gateway sees an outage
 * while the machine's services (and every other test) carry on.
 */
describe('dependency outages', () => {
  let harness: Harness;
  let redisLink: TcpProxy;
  let brokerLink: TcpProxy;
  let bus: EventBus;
  let url: string;
  let socket: TestSocket;
  const tenant = uniqueTenant('outage');

  before(async () => {
    harness = await startHarness({ replicas: 0 });
    const redis = new URL(redisUrl());
    const broker = new URL(amqpUrl());
    redisLink = await startTcpProxy([{ host: redis.hostname, port: Number(redis.port || 6379) }]);
    brokerLink = await startTcpProxy([{ host: broker.hostname, port: Number(broker.port || 5672) }]);
    broker.host = `127.0.0.1:${brokerLink.port}`;
    redis.host = `127.0.0.1:${redisLink.port}`;
    bus = await createRabbitBus({ url: broker.toString(), exchange: harness.exchange, logger: silentLogger() });
    const gateway = await harness.startReplica({ bus, redisUrl: redis.toString(), rateLimits: { user: 50, tenant: 5000 } });
    url = gateway.url;
  });

  after(async () => {
    socket?.close();
    await harness.close();
    await bus.close();
    await redisLink.close();
    await brokerLink.close();
  });

  const readiness = async () => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, checks: ((await response.json()) as { checks: Record<string, boolean> }).checks };
  };

  test('without Redis: not ready within two seconds, yet serving; back, its sockets resync', async () => {
    const staff = await user(tenant, 'MANAGEMENT_TEAM');
    const channel = harness.fakes.addChannel({ tenantId: tenant, type: 'SUPPORT', participants: [] });
    socket = await connect(url, staff);
    assert.equal((await readiness()).status, 200);

    redisLink.cut();
    const cutAt = Date.now();
    const down = await waitFor(async () => {
      const state = await readiness();
      return state.status === 503 && state;
    }, { what: 'readiness to drop', timeoutMs: 2_000, intervalMs: 20 });
    assert.ok(Date.now() - cutAt < 2_000);
    assert.equal(down.checks.redis, false);

    // Rate limits fall back to memory; requests and socket events go on being served.
    const listed = await fetch(`${url}/api/chat/tickets`, { headers: { authorization: `Bearer ${staff.token}` } });
    assert.equal(listed.status, 200);
    assert.deepEqual(await socket.request('join_channel', { channelId: channel.id }), { ok: true });

    redisLink.restore();
    await socket.waitFor('resync', undefined, 10_000);
    await waitFor(async () => (await readiness()).status === 200, { what: 'readiness back', timeoutMs: 10_000 });
  });

  test('without the broker: not ready; back by itself', async () => {
    brokerLink.cut();
    const down = await waitFor(async () => {
      const state = await readiness();
      return state.status === 503 && state;
    }, { what: 'readiness to drop', timeoutMs: 2_000, intervalMs: 20 });
    assert.equal(down.checks.broker, false);
    brokerLink.restore();
    await waitFor(async () => (await readiness()).status === 200, { what: 'readiness back', timeoutMs: 15_000 });
  });
});
