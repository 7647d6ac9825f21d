/**
 * Gateway replicas killed with SIGKILL in turn while messages flow: the clients of the dead one
 * reconnect through the load balancer to the other, join their channels again and fetch what
 * they missed by `afterSeq`, so every app ends with every message once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startCluster, waitFor, type Cluster } from '@chat/test-kit';
import { actor, api } from '../system/helpers.ts';
import { openCase, type Case } from './support/scene.ts';
import { clientSender, closeBooks, restSender, Traffic } from './support/traffic.ts';

let cluster: Cluster;
let scene: Case;
const traffic = new Traffic();

before(async () => {
  cluster = await startCluster({ gateways: 2 });
  scene = await openCase(cluster.url, 'gateway-kill');
});

after(async () => {
  await traffic.close();
  await cluster?.stop();
});

it('lets the clients of a killed replica reconnect elsewhere and recover every message through afterSeq', async (t) => {
  const { url, customer, agent, admin, channel } = scene;
  // More clients than replicas: the balancer spreads their sockets over both.
  const colleagues = [agent, admin, await actor(scene.tenant, 'MANAGEMENT_TEAM'), await actor(scene.tenant, 'TENANT_ADMIN')];
  for (const who of colleagues) await traffic.receiver(url, who, channel.id);
  const customerClient = await traffic.receiver(url, customer, channel.id);
  traffic.stream('customer-socket', clientSender(customerClient.client, channel.id), { intervalMs: 50 });
  traffic.stream('agent-rest', restSender(url, agent, channel.id), { intervalMs: 50 });
  await traffic.flows(10);

  for (const victim of [0, 1]) {
    await cluster.gateways[victim]!.kill('SIGKILL');
    await traffic.flows(15, 60_000);
    await cluster.restart(victim);
    await traffic.flows(5, 60_000);
  }
  await traffic.stop();

  for (const stream of traffic.streams) assert.deepEqual(stream.unexpected(), [], `${stream.name}: answers other than 201, 503 or none`);
  const reconnected = traffic.receivers.filter((receiver) => receiver.disconnects > 0).length;
  await closeBooks(
    t,
    'each gateway replica SIGKILLed in turn, then restarted',
    { url, reader: agent, channelId: channel.id, streams: traffic.streams, receivers: traffic.receivers },
    { clients: traffic.receivers.length, clientsThatReconnected: reconnected },
  );
  assert.equal(reconnected, traffic.receivers.length, 'every client lost its replica once');
  assert.ok(traffic.receivers.every((receiver) => receiver.client.socket.connected), 'every client is connected again');
  // A client that reconnected is in its room again: a new message comes live.
  const live = await api<{ id: string }>(url, customer, 'POST', `/api/chat/channels/${channel.id}/messages`, { content: 'live again?' });
  assert.equal(live.status, 201);
  for (const receiver of traffic.receivers) {
    await waitFor(async () => receiver.socketDeliveries.has(live.body.id), { what: `${receiver.who.userId} to get a live message` });
  }
});
