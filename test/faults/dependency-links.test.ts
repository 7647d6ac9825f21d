/**
 * One link at a time between a service and PostgreSQL, RabbitMQ or Redis goes bad, through an
 * in-repo TCP proxy, while messages flow: cut in the middle of queries, stalled (connected but
 * silent), or cut for a few seconds. The shared servers themselves are never touched. Every
 * request answers 201, a clean 503, or (stalled) late; readiness tells the link is gone; every
 * message and every event is accounted for once the link is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, waitFor, type Cluster, type TcpProxy } from '@chat/test-kit';
import { api, connectSocket, type RecordingSocket } from '../system/helpers.ts';
import { firstNotReady, handledEvents, messageCreatedEvents, metric, staffMessageEvents, unpublishedEvents, watchReadiness } from './support/probes.ts';
import { openCase, type Case } from './support/scene.ts';
import { closeBooks, restSender, Traffic } from './support/traffic.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a bad link between a service and its dependency', () => {
  let cluster: Cluster;
  let scene: Case;
  let g0: string;
  let g1: string;
  const traffic = new Traffic();
  const sockets: RecordingSocket[] = [];

  before(async () => {
    cluster = await startCluster({
      gateways: 2,
      links: { messaging: ['postgres', 'rabbitmq'], tickets: ['postgres'], gateway: ['redis', 'rabbitmq'] },
      // Rate limits on (and generous): every request also asks Redis.
      serviceEnv: { gateway: { RATE_LIMIT_USER: '1000', RATE_LIMIT_TENANT: '100000' } },
    });
    scene = await openCase(cluster.url, 'links');
    [g0, g1] = cluster.gateways.map((gateway) => gateway.url) as [string, string];
    // Clients pinned to each replica: what one replica takes from the broker must cross to the other.
    await traffic.receiver(g0, scene.agent, scene.channel.id);
    await traffic.receiver(g1, scene.admin, scene.channel.id);
    traffic.stream('customer-rest', restSender(cluster.url, scene.customer, scene.channel.id), { intervalMs: 30 });
    // Staff messages too: the tickets service only records those.
    traffic.stream('agent-rest', restSender(cluster.url, scene.agent, scene.channel.id), { intervalMs: 90 });
    await traffic.flows(10);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await traffic.close();
    await cluster?.stop();
  });

  /**
   * Keeps `proxy` bad for `ms` while `during` runs, then restores it (even if `during` is still
   * waiting, which it may then finish), and answers when the link went bad and came back.
   */
  async function badFor(proxy: TcpProxy, how: 'cut' | 'stall', ms: number, during: () => Promise<void> = async () => {}): Promise<{ from: number; to: number }> {
    const from = Date.now();
    proxy[how]();
    const running = during();
    running.catch(() => undefined);
    await pause(ms);
    proxy.restore();
    const to = Date.now();
    await running;
    return { from, to };
  }

  /** Presence lives in Redis alone: while the replica cannot reach it, a clean 503. */
  async function presenceUnavailable(gateway: string): Promise<number> {
    const started = Date.now();
    const answer = await api<{ error: { code: string } }>(gateway, scene.agent, 'GET', '/api/chat/presence');
    assert.equal(answer.status, 503, JSON.stringify(answer.body));
    assert.equal(answer.body.error.code, 'SERVICE_UNAVAILABLE');
    return Date.now() - started;
  }

  function assertCleanAnswers(): void {
    for (const stream of traffic.streams) assert.deepEqual(stream.unexpected(), [], `${stream.name}: answers other than 201, 503 or none`);
  }

  it('messaging ↔ PostgreSQL cut in the middle of queries: 503s, then nothing lost', async () => {
    const unavailableBefore = await metric(cluster.messaging.url, 'db_unavailable_total');
    const link = cluster.link('messaging', 'postgres');
    let window = { from: 0, to: 0 };
    for (let round = 0; round < 3; round++) {
      // Stalled first, so that queries are surely in flight when the connections are cut.
      link.stall();
      await pause(300);
      window = await badFor(link, 'cut', 400);
      await traffic.flows(3);
    }
    assert.ok((await metric(cluster.messaging.url, 'db_unavailable_total')) > unavailableBefore, 'queries were cut');
    assert.ok(traffic.streams[0]!.attemptsBetween(window.from, window.to + 200).some((attempt) => attempt.outcome === 503), 'a cut answers 503');
    assertCleanAnswers();
  });

  it('messaging ↔ PostgreSQL stalled: not ready within two seconds, requests wait and then succeed', async () => {
    const readiness = traffic.keep(watchReadiness(cluster.messaging.url));
    const window = await badFor(cluster.link('messaging', 'postgres'), 'stall', 3_000, async () => {
      await waitFor(async () => firstNotReady(readiness.samples, 0), { timeoutMs: 2_500, what: 'messaging to report the database down' });
    });
    readiness.stop();
    await traffic.flows(5);
    const first = firstNotReady(readiness.samples, window.from);
    assert.ok(first && first.at - window.from <= 2_500, 'not ready within two seconds');
    assertCleanAnswers();
  });

  it('messaging ↔ RabbitMQ cut, then stalled: sends are acknowledged, their events wait in the outbox and leave once it is back', async () => {
    const link = cluster.link('messaging', 'rabbitmq');
    await badFor(link, 'cut', 3_000, async () => {
      await traffic.flows(10);
      await waitFor(async () => (await unpublishedEvents(cluster, 'messaging')) > 0, { what: 'events to wait in the outbox' });
    });
    await badFor(link, 'stall', 3_000, () => traffic.flows(10));
    await waitFor(async () => (await unpublishedEvents(cluster, 'messaging')) === 0, { timeoutMs: 60_000, what: 'the outbox to drain' });
    assertCleanAnswers();
  });

  it('tickets ↔ PostgreSQL cut while events arrive: the events are retried, none is lost', async () => {
    await badFor(cluster.link('tickets', 'postgres'), 'cut', 3_000, () => traffic.flows(10));
    await traffic.flows(5);
  });

  it('a gateway ↔ Redis cut: not ready, its clients resync once it is back', async () => {
    const readiness = traffic.keep(watchReadiness(g1));
    const window = await badFor(cluster.link(1, 'redis'), 'cut', 2_000, async () => {
      await pause(200);
      await presenceUnavailable(g1);
      await traffic.flows(10);
    });
    await waitFor(async () => (await fetch(`${g1}/readyz`)).status === 200, { timeoutMs: 20_000, what: 'the replica ready again' });
    readiness.stop();
    const first = firstNotReady(readiness.samples, window.from);
    assert.ok(first && first.at - window.from <= 2_500, 'not ready within two seconds of losing Redis');
    await traffic.flows(5);
    assertCleanAnswers();
  });

  it('a gateway ↔ Redis stalled: not ready, and requests through that replica are still answered in time', async (t) => {
    const customerSocket = await connectSocket(g1, scene.customer);
    sockets.push(customerSocket);
    const timings: number[] = [];
    const readiness = traffic.keep(watchReadiness(g1));
    const window = await badFor(cluster.link(1, 'redis'), 'stall', 4_000, async () => {
      await pause(200);
      timings.push(await presenceUnavailable(g1));
      for (let index = 0; index < 3; index++) {
        const started = Date.now();
        const answer = await api(g1, scene.agent, 'GET', `/api/chat/channels/${scene.channel.id}`);
        timings.push(Date.now() - started);
        assert.equal(answer.status, 200);
      }
      const started = Date.now();
      assert.deepEqual(await customerSocket.emitAck('join_channel', { channelId: scene.channel.id }), { ok: true });
      timings.push(Date.now() - started);
    });
    readiness.stop();
    t.diagnostic(`answered in ${timings.join(', ')} ms while Redis was silent (presence, three REST calls, a join)`);
    assert.ok(timings.every((ms) => ms < 2_500), `answered in ${timings.join(', ')} ms while Redis was silent`);
    const first = firstNotReady(readiness.samples, window.from);
    assert.ok(first && first.at < window.to, 'a silent Redis is reported');
    await traffic.flows(5);
    assertCleanAnswers();
  });

  it('a gateway ↔ RabbitMQ cut: the other replica takes the events meanwhile; nothing is lost', async () => {
    await badFor(cluster.link(0, 'rabbitmq'), 'cut', 3_000, () => traffic.flows(10));
    await waitFor(async () => (await fetch(`${g0}/readyz`)).status === 200, { timeoutMs: 30_000, what: 'the replica ready again' });
    await traffic.flows(5);
  });

  it('accounts for every message and event once every link is back', async (t) => {
    const { url, agent, channel } = scene;
    await traffic.stop();
    assertCleanAnswers();
    await closeBooks(t, 'links cut mid-query or stalled: messaging↔PostgreSQL, messaging↔RabbitMQ, tickets↔PostgreSQL, gateway↔Redis, gateway↔RabbitMQ', {
      url,
      reader: agent,
      channelId: channel.id,
      streams: traffic.streams,
      receivers: traffic.receivers,
    });
    const acknowledged = traffic.streams.flatMap((stream) => [...stream.acknowledged.values()]);
    const eventByMessage = await messageCreatedEvents(cluster, acknowledged.map((message) => message.id));
    const events = [...eventByMessage.values()];
    assert.equal(events.length, acknowledged.length);
    const staffEvents = staffMessageEvents(eventByMessage, acknowledged);
    assert.ok(staffEvents.length >= 10, `only ${staffEvents.length} staff messages`);
    await waitFor(
      async () => (await handledEvents(cluster, 'tickets', staffEvents)).size === staffEvents.length && (await handledEvents(cluster, 'channels', events)).size === events.length,
      { timeoutMs: 60_000, what: 'every message event handled by channels, and every staff one by tickets' },
    );
  });
});
