/**
 * The machine's Redis shut down without saving and started again, empty (under the
 * shared-services lock), while two gateway replicas carry traffic with rate limits on. Readiness
 * says Redis is gone; requests keep being served; afterwards the Socket.IO adapter and presence
 * recover by themselves: events cross replicas again, the users online are known again, and no
 * client misses a message.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { canRestartSharedService, restartSharedService, startCluster, waitFor, type Cluster } from '@chat/test-kit';
import { actor, api, connectSocket, type RecordingSocket } from '../system/helpers.ts';
import { firstNotReady, watchReadiness } from './support/probes.ts';
import { openCase, type Case } from './support/scene.ts';
import { closeBooks, restSender, Traffic } from './support/traffic.ts';

const OUTAGE_MS = 3_000;

let cluster: Cluster;
let scene: Case;
const traffic = new Traffic();
const sockets: RecordingSocket[] = [];

before(async () => {
  // Rate limits on (and generous): every request also goes through the Redis limiter.
  cluster = await startCluster({ gateways: 2, serviceEnv: { gateway: { RATE_LIMIT_USER: '1000', RATE_LIMIT_TENANT: '100000' } } });
  scene = await openCase(cluster.url, 'redis');
});

after(async () => {
  for (const socket of sockets) socket.close();
  await traffic.close();
  await cluster?.stop();
});

/** Typing goes through the adapter only: from a socket on one replica to a socket on the other. */
async function typingCrosses(from: RecordingSocket, to: RecordingSocket, channelId: string, timeoutMs = 5_000): Promise<void> {
  const before_ = to.of('user_typing').length;
  await waitFor(
    async () => {
      from.socket.emit('typing', { channelId, isTyping: false });
      from.socket.emit('typing', { channelId, isTyping: true });
      return to.of('user_typing').length > before_;
    },
    { timeoutMs, intervalMs: 300, what: 'typing to cross replicas' },
  );
}

it('recovers the adapter and presence by itself after Redis restarts', async (t) => {
  if (!(await canRestartSharedService('redis'))) return t.skip("needs the machine's redis-server, redis-cli and flock");
  const { url, customer, agent, admin, channel } = scene;
  const [g0, g1] = cluster.gateways.map((gateway) => gateway.url) as [string, string];
  // Clients pinned to each replica, so that events must cross between them.
  await traffic.receiver(g0, agent, channel.id);
  await traffic.receiver(g1, admin, channel.id);
  const customerSocket = await connectSocket(g0, customer);
  const agentSocket = await connectSocket(g1, agent);
  sockets.push(customerSocket, agentSocket);
  for (const socket of sockets) assert.deepEqual(await socket.emitAck('join_channel', { channelId: channel.id }), { ok: true });
  await typingCrosses(customerSocket, agentSocket, channel.id);
  traffic.stream('customer-rest', restSender(url, customer, channel.id));
  await traffic.flows(10);

  const readiness = [g0, g1].map((gateway) => traffic.keep(watchReadiness(gateway)));
  const outage = restartSharedService('redis', OUTAGE_MS);
  try {
    const down = await outage.stopped;
    await waitFor(async () => readiness.every((watch) => firstNotReady(watch.samples, down)), { timeoutMs: 5_000, what: 'both replicas to report Redis down' });
    await traffic.flows(5, OUTAGE_MS * 2);
  } finally {
    await outage.over.catch((error: unknown) => t.diagnostic(`restart: ${String(error)}`));
  }
  const down = await outage.stopped;
  const back = await outage.over;
  const during = traffic.streams.flatMap((stream) => stream.attemptsBetween(down, back));
  assert.ok(during.length > 0 && during.every((attempt) => attempt.outcome === 201), 'requests are served while Redis is away');
  for (const watch of readiness) {
    assert.ok(firstNotReady(watch.samples, down)!.at - down < 2_500, 'not ready within two seconds of losing Redis');
  }

  // Back by itself: ready again, events cross replicas, presence is known again.
  await waitFor(async () => (await Promise.all([g0, g1].map((gateway) => fetch(`${gateway}/readyz`)))).every((response) => response.status === 200), {
    timeoutMs: 30_000,
    what: 'both replicas ready again',
  });
  const recoveredAt = Date.now();
  await typingCrosses(customerSocket, agentSocket, channel.id, 15_000);
  await typingCrosses(agentSocket, customerSocket, channel.id, 15_000);
  const everyone = [customer, agent, admin].map((who) => who.userId);
  const presence = await waitFor(
    async () => {
      const answer = await api<{ items: { userId: string; online: boolean }[] }>(url, admin, 'GET', `/api/chat/presence?userIds=${everyone.join(',')}`);
      return answer.body.items.every((item) => item.online) ? answer.body.items : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 250, what: 'presence to be rebuilt' },
  );
  assert.equal(presence.length, everyone.length);
  const presenceBackMs = Date.now() - recoveredAt;
  for (const gateway of [g0, g1]) {
    (await connectSocket(gateway, await actor(scene.tenant, 'PARTICIPANT'))).close();
  }

  await traffic.flows(10);
  await traffic.stop();
  for (const stream of traffic.streams) assert.deepEqual(stream.unexpected(), []);
  await closeBooks(
    t,
    'Redis shut down (nosave) 3 s and restarted empty',
    { url, reader: agent, channelId: channel.id, streams: traffic.streams, receivers: traffic.receivers },
    { outageMs: back - down, presenceBackMs },
  );
});
