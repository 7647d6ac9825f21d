import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { ChatClient } from '@chat/chat-client';
import { makeEnvelope, type ChannelSnapshot, type Message } from '@chat/contracts';
import { redisUrl, startTcpProxy, waitFor, type TcpProxy } from '@chat/test-kit';
import { connect, pause, startHarness, uniqueTenant, user, type Harness, type TestUser } from './support/harness.ts';

describe('replicas coming and going', () => {
  let harness: Harness;
  let balancer: TcpProxy;
  let balancerUrl: string;
  const tenant = uniqueTenant('life');
  let alice: TestUser, staff: TestUser;
  let channel: ChannelSnapshot;

  before(async () => {
    harness = await startHarness({ replicas: 2 });
    balancer = await startTcpProxy(harness.gateways.map((gateway) => ({ port: gateway.port })));
    balancerUrl = `http://127.0.0.1:${balancer.port}`;
    alice = await user(tenant, 'PARTICIPANT', 'Alice');
    staff = await user(tenant, 'MANAGEMENT_TEAM', 'Sam');
    channel = harness.fakes.addChannel({ tenantId: tenant, type: 'SUPPORT', participants: [{ userId: alice.userId, role: 'PARTICIPANT' }] });
  });

  after(async () => {
    await balancer.close();
    await harness.close();
  });

  test('when a replica loses its Redis connection, its sockets are told to resync once it is back', async () => {
    const [gw0, gw1] = harness.gateways as [(typeof harness.gateways)[0], (typeof harness.gateways)[0]];
    const onCut = await connect(gw0.url, alice);
    const onOther = await connect(gw1.url, staff);
    assert.deepEqual(await onOther.request('join_channel', { channelId: channel.id }), { ok: true });
    const admin = new Redis(redisUrl());
    try {
      const clients = (await admin.client('LIST')) as string;
      const line = clients.split('\n').find((entry) => entry.includes(`name=${harness.keyPrefix}:gateway:${gw0.replicaId}:sub`));
      assert.ok(line, 'the adapter connection is named after its replica');
      await admin.client('KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!);
    } finally {
      admin.disconnect();
    }
    assert.deepEqual(await onCut.waitFor('resync'), {});
    await pause(300);
    assert.equal(onOther.of('resync').length, 0, 'the other replica lost nothing');

    // The adapter works again: an event taken by either replica reaches the socket on the other.
    assert.deepEqual(await onCut.request('join_channel', { channelId: channel.id }), { ok: true });
    for (let seq = 1; seq <= 4; seq++) {
      const message = { ...messageIn(channel, 1000 + seq), content: `after the cut ${seq}` };
      await harness.publish(makeEnvelope('message.created', tenant, { userId: 'x', role: 'PARTICIPANT' }, { message }));
      await onCut.waitFor<{ message: Message }>('new_message', (payload) => payload.message.id === message.id);
      await onOther.waitFor<{ message: Message }>('new_message', (payload) => payload.message.id === message.id);
    }
    onCut.close();
    onOther.close();
  });

  test('a stopping replica sends its clients elsewhere; chat-client ends with every message once, in order', async () => {
    const [gw0, gw1] = harness.gateways as [(typeof harness.gateways)[0], (typeof harness.gateways)[0]];
    const client = new ChatClient({ url: balancerUrl, token: alice.token, socketOptions: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 300 } });
    const received: Message[] = [];
    client.onMessage((_channelId, message) => received.push(message));
    await client.joinChannel(channel.id, { afterSeq: 0 });

    const sender = `${gw1.url}/api/chat/channels/${channel.id}/messages`;
    const sent: Message[] = [];
    const send = async (index: number) => {
      const response = await fetch(sender, {
        method: 'POST',
        headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: `message ${index}` }),
      });
      assert.equal(response.status, 201);
      sent.push((await response.json()) as Message);
    };
    for (let index = 0; index < 20; index++) await send(index);
    // Take away the replica the client is on (whichever it is), while messages keep coming.
    const onReplica = await waitFor(async () => harness.gateways.find((gateway) => gateway.io.of('/chat').sockets.size > 0), { what: "the client's replica" });
    const stopping = onReplica.stop();
    for (let index = 20; index < 60; index++) {
      await send(index);
      if (index % 10 === 0) await pause(50);
    }
    await stopping;
    const readyz = await fetch(`${(onReplica === gw0 ? gw1 : gw0).url}/readyz`);
    assert.equal(readyz.status, 200, 'the other replica serves on');

    await waitFor(async () => received.length >= sent.length, { what: 'every message', timeoutMs: 15_000 });
    await pause(300);
    assert.deepEqual(
      received.map((message) => message.seq),
      sent.map((message) => message.seq).sort((a, b) => a - b),
    );
    assert.deepEqual(received.map((message) => message.seq), Array.from({ length: received.length }, (_, index) => index + 1));
    assert.equal(client.socket.connected, true, 'reconnected through the balancer');
    assert.equal((onReplica === gw0 ? gw1 : gw0).io.of('/chat').sockets.size, 1, 'now on the other replica');
    client.close();
  });
});

function messageIn(channel: ChannelSnapshot, seq: number): Message {
  return {
    id: crypto.randomUUID(),
    channelId: channel.id,
    tenantId: channel.tenantId,
    seq,
    senderId: 'someone',
    senderType: 'PARTICIPANT',
    content: 'x',
    metadata: null,
    createdAt: new Date().toISOString(),
    editedAt: null,
    deletedAt: null,
  };
}
