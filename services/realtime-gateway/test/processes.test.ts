import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ChatClient } from '@chat/chat-client';
import type { ChannelSnapshot, Message } from '@chat/contracts';
import { amqpUrl, redisUrl, startServiceProcess, startTcpProxy, TEST_JWT_SECRET, waitFor, type StartedProcess, type TcpProxy } from '@chat/test-kit';
import { pause, startHarness, uniqueTenant, user, type Harness, type TestUser } from './support/harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** The gateway as operators run it: `main.ts` processes, replicas behind a balancer. */
describe('gateway processes', () => {
  let harness: Harness;
  let balancer: TcpProxy;
  let balancerUrl: string;
  const replicas: StartedProcess[] = [];
  const tenant = uniqueTenant('proc');
  let alice: TestUser, staff: TestUser;
  let channel: ChannelSnapshot;

  before(async () => {
    harness = await startHarness({ replicas: 0 });
    const env = {
      AMQP_URL: amqpUrl(),
      EVENTS_EXCHANGE: harness.exchange,
      REDIS_URL: redisUrl(),
      CHANNELS_URL: harness.fakes.channelsUrl,
      MESSAGING_URL: harness.fakes.messagingUrl,
      TICKETS_URL: harness.fakes.ticketsUrl,
      JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_USER: '0',
    };
    for (let index = 0; index < 2; index++) replicas.push(await startServiceProcess(MAIN, env));
    balancer = await startTcpProxy(replicas.map((replica) => ({ port: replica.port })));
    balancerUrl = `http://127.0.0.1:${balancer.port}`;
    alice = await user(tenant, 'PARTICIPANT', 'Alice');
    staff = await user(tenant, 'MANAGEMENT_TEAM', 'Sam');
    channel = harness.fakes.addChannel({ tenantId: tenant, type: 'SUPPORT', participants: [{ userId: alice.userId, role: 'PARTICIPANT' }] });
  });

  after(async () => {
    await Promise.allSettled(replicas.map((replica) => replica.kill('SIGKILL')));
    await balancer.close();
    await harness.close();
  });

  test('a replica killed while messages flow: clients reconnect to the other and miss nothing', async () => {
    // Default transports: the client's own choice must work behind a balancer without sticky sessions.
    const client = new ChatClient({ url: balancerUrl, token: alice.token, socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 300 } });
    let connects = 0;
    client.socket.on('connect', () => (connects += 1));
    const received: Message[] = [];
    client.onMessage((_channelId, message) => received.push(message));
    // The client's socket is the balancer's first connection: it lands on the first replica.
    await client.joinChannel(channel.id, { afterSeq: 0 });

    const acknowledged: Message[] = [];
    const send = async (index: number) => {
      const clientMessageId = `m-${index}`;
      for (let attempt = 0; ; attempt++) {
        try {
          const response = await fetch(`${balancerUrl}/api/chat/channels/${channel.id}/messages`, {
            method: 'POST',
            headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ content: `message ${index}`, clientMessageId }),
          });
          if (response.status === 201) return void acknowledged.push((await response.json()) as Message);
        } catch {
          // The replica died under this request: the same clientMessageId again is safe.
        }
        if (attempt > 20) throw new Error(`message ${index} was never acknowledged`);
        await pause(50);
      }
    };
    for (let index = 0; index < 20; index++) await send(index);
    await waitFor(async () => received.length === 20, { what: 'the first messages' });

    const killed = replicas[0]!.kill('SIGKILL');
    for (let index = 20; index < 60; index++) await send(index);
    await killed;

    await waitFor(async () => received.length >= 60, { what: 'every message', timeoutMs: 20_000 });
    await pause(300);
    assert.deepEqual(received.map((message) => message.seq), Array.from({ length: 60 }, (_, index) => index + 1));
    assert.deepEqual(received.map((message) => message.id).sort(), acknowledged.map((message) => message.id).sort());
    assert.ok(connects >= 2, 'the client reconnected');
    client.close();
  });

  test('SIGTERM drains and exits cleanly', async () => {
    const replica = replicas[1]!;
    assert.equal((await fetch(`${replica.url}/readyz`)).status, 200);
    assert.equal(await replica.kill('SIGTERM'), 0);
  });
});
