/**
 * RabbitMQ stopped for several seconds (`rabbitmqctl stop_app` / `start_app` on the machine's
 * broker, under the shared-services lock) while messages flow through two gateway replicas.
 * Sends keep being acknowledged (their events wait in the outbox) or are refused with a clean 503;
 * every acknowledged message reaches the sockets once the broker is back; an escalation made
 * during the outage reaches the tickets service afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Channel } from '@chat/contracts';
import { canRestartSharedService, restartSharedService, startCluster, waitFor, type Cluster } from '@chat/test-kit';
import { api } from '../system/helpers.ts';
import { firstNotReady, handledEvents, messageCreatedEvents, staffMessageEvents, unpublishedEvents, watchReadiness } from './support/probes.ts';
import { openCase, ticketReaches, type Case } from './support/scene.ts';
import { closeBooks, Traffic } from './support/traffic.ts';

const OUTAGE_MS = 5_000;

let cluster: Cluster;
let scene: Case;
const traffic = new Traffic();

before(async () => {
  cluster = await startCluster({ gateways: 2 });
  scene = await openCase(cluster.url, 'rabbit');
});

after(async () => {
  await traffic.close();
  await cluster?.stop();
});

it('keeps every acknowledged message and event across a broker outage', async (t) => {
  if (!(await canRestartSharedService('rabbitmq'))) return t.skip('needs rabbitmqctl and flock for the broker of AMQP_URL');
  const { url, agent, admin, channel, ticket } = scene;
  await traffic.customerAndAgent(url, scene, channel.id);
  const { streams, receivers } = traffic;
  await traffic.flows(10);

  const readiness = traffic.keep(watchReadiness(cluster.messaging.url));
  const outage = restartSharedService('rabbitmq', OUTAGE_MS);
  let escalatedDuringOutage: number | undefined;
  try {
    const down = await outage.stopped;
    // The services notice the broker is gone: readiness says so.
    await waitFor(async () => firstNotReady(readiness.samples, down), { timeoutMs: 10_000, what: 'messaging to report the broker down' });
    const escalation = await api<Channel>(url, agent, 'PUT', `/api/chat/channels/${channel.id}/escalate`, { reason: 'Broker down, customer waiting' });
    escalatedDuringOutage = escalation.status;
    assert.ok([200, 503].includes(escalation.status), `escalation during the outage answered ${escalation.status}`);
    await traffic.flows(5, OUTAGE_MS * 2);
  } finally {
    await outage.over.catch((error: unknown) => t.diagnostic(`restart: ${String(error)}`));
  }
  const down = await outage.stopped;
  const back = await outage.over;

  // Sends during the outage were answered 201 (their events in the outbox) or a clean 503.
  const during = streams.flatMap((stream) => stream.attemptsBetween(down, back));
  assert.ok(during.length >= 10, `only ${during.length} sends met the outage`);
  assert.ok(during.some((attempt) => attempt.outcome === 201), 'sends are acknowledged while the broker is away');

  await waitFor(async () => (await fetch(`${cluster.messaging.url}/readyz`)).status === 200, { timeoutMs: 60_000, what: 'messaging to be ready again' });
  await traffic.flows(10, 60_000);
  await traffic.stop();
  readiness.stop();
  for (const stream of streams) assert.deepEqual(stream.unexpected(), [], `${stream.name}: answers other than 201 or 503`);

  // The escalation reaches the tickets service once the broker is back (retried if it met a 503).
  if (escalatedDuringOutage !== 200) assert.equal((await api(url, agent, 'PUT', `/api/chat/channels/${channel.id}/escalate`, { reason: 'retry' })).status, 200);
  await ticketReaches(url, admin, ticket.id, 'ESCALATED');

  // Every acknowledged message reached the sockets, the clients and the other services.
  const acknowledged = streams.flatMap((stream) => [...stream.acknowledged.values()]);
  await waitFor(async () => receivers.every((receiver) => acknowledged.every((message) => receiver.socketDeliveries.has(message.id))), {
    timeoutMs: 60_000,
    what: 'every acknowledged message on every socket',
  });
  const figures = await closeBooks(
    t,
    'RabbitMQ stopped 5 s (stop_app/start_app)',
    { url, reader: agent, channelId: channel.id, streams, receivers },
    { sendsDuringOutage: during.length, refusedDuringOutage: during.filter((attempt) => attempt.outcome !== 201).length, outageMs: back - down },
  );
  assert.equal(figures.socketMisses, 0, 'every acknowledged message reached every socket');
  await waitFor(async () => (await unpublishedEvents(cluster, 'messaging')) === 0 && (await unpublishedEvents(cluster, 'channels')) === 0, { what: 'empty outboxes' });
  const events = await messageCreatedEvents(cluster, acknowledged.map((message) => message.id));
  assert.equal(events.size, acknowledged.length, 'an event was written for every message');
  const staffEvents = staffMessageEvents(events, acknowledged);
  assert.ok(staffEvents.length >= 5, `only ${staffEvents.length} staff messages`);
  await waitFor(async () => (await handledEvents(cluster, 'tickets', staffEvents)).size === staffEvents.length, { timeoutMs: 30_000, what: 'tickets to handle every staff message event' });
});
