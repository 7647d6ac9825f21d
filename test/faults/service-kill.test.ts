/**
 * Services killed with SIGKILL in the middle of a stream, and started again: messaging while its
 * outbox holds events the broker never saw (its broker link cut through a proxy, so the kill is
 * sure to land between commit and publish), channels right after an escalation whose event had
 * not left, and tickets while events pour in. No acknowledged message is lost, no `seq` is
 * doubled or skipped, and every event written reaches every service that consumes it.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Channel } from '@chat/contracts';
import { startCluster, waitFor, type Cluster } from '@chat/test-kit';
import { api } from '../system/helpers.ts';
import { eventsOfType, handledEvents, messageCreatedEvents, staffMessageEvents, unpublishedEvents } from './support/probes.ts';
import { openCase, ticketReaches, type Case } from './support/scene.ts';
import { closeBooks, Traffic } from './support/traffic.ts';

let cluster: Cluster;
let scene: Case;
const traffic = new Traffic();

before(async () => {
  cluster = await startCluster({ gateways: 2, links: { messaging: ['rabbitmq'], channels: ['rabbitmq'] } });
  scene = await openCase(cluster.url, 'kill');
});

after(async () => {
  await traffic.close();
  await cluster?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('loses and doubles nothing when services are killed mid-stream and restarted', async (t) => {
  const { url, agent, admin, channel, ticket } = scene;
  await traffic.customerAndAgent(url, scene, channel.id);
  await traffic.flows(10);

  // Messaging dies with events in its outbox that the broker never confirmed.
  const messagingBroker = cluster.link('messaging', 'rabbitmq');
  messagingBroker.cut();
  await waitFor(async () => (await unpublishedEvents(cluster, 'messaging')) >= 5, { timeoutMs: 20_000, what: 'events held in the outbox' });
  await cluster.messaging.kill('SIGKILL');
  const messagingKilled = Date.now();
  await pause(1_000);
  messagingBroker.restore();
  await cluster.restart('messaging');
  const messagingBack = Date.now();
  await traffic.flows(10);

  // Channels dies right after an escalation was answered, before its event could leave.
  const channelsBroker = cluster.link('channels', 'rabbitmq');
  channelsBroker.cut();
  const escalated = await api<Channel>(url, agent, 'PUT', `/api/chat/channels/${channel.id}/escalate`, { reason: 'Needs the platform team' });
  assert.equal(escalated.status, 200);
  assert.ok((await unpublishedEvents(cluster, 'channels')) >= 1, 'the escalation waits in the outbox');
  await cluster.channels.kill('SIGKILL');
  channelsBroker.restore();
  await cluster.restart('channels');
  await ticketReaches(url, admin, ticket.id, 'ESCALATED');

  // Tickets dies while message events pour in; the broker keeps them for it.
  await cluster.tickets.kill('SIGKILL');
  await traffic.flows(5);
  await cluster.restart('tickets');
  await traffic.flows(10);
  await traffic.stop();

  for (const stream of traffic.streams) assert.deepEqual(stream.unexpected(), [], `${stream.name}: answers other than 201, 503 or none`);
  const refusedWhileDown = traffic.streams.flatMap((stream) => stream.attemptsBetween(messagingKilled, messagingBack)).filter((attempt) => attempt.outcome !== 201);
  assert.ok(refusedWhileDown.length > 0, 'sends met the dead messaging service');

  const acknowledged = traffic.streams.flatMap((stream) => [...stream.acknowledged.values()]);
  await waitFor(async () => traffic.receivers.every((receiver) => acknowledged.every((message) => receiver.socketDeliveries.has(message.id))), {
    timeoutMs: 60_000,
    what: 'every acknowledged message on every socket',
  });
  const figures = await closeBooks(
    t,
    'messaging, channels and tickets each SIGKILLed and restarted',
    { url, reader: agent, channelId: channel.id, streams: traffic.streams, receivers: traffic.receivers },
    { refusedWhileMessagingDown: refusedWhileDown.length },
  );
  assert.equal(figures.socketMisses, 0);

  // The books of the events: every outbox empty, every event handled by each consumer of it.
  await waitFor(async () => (await unpublishedEvents(cluster, 'messaging')) + (await unpublishedEvents(cluster, 'channels')) + (await unpublishedEvents(cluster, 'tickets')) === 0, {
    timeoutMs: 30_000,
    what: 'empty outboxes',
  });
  const eventByMessage = await messageCreatedEvents(cluster, acknowledged.map((message) => message.id));
  const messageEvents = [...eventByMessage.values()];
  assert.equal(messageEvents.length, acknowledged.length);
  const staffEvents = staffMessageEvents(eventByMessage, acknowledged);
  assert.ok(staffEvents.length >= 5, `only ${staffEvents.length} staff messages`);
  const escalations = await eventsOfType(cluster, 'channels', 'channel.escalated');
  assert.equal(escalations.length, 1);
  await waitFor(
    async () =>
      (await handledEvents(cluster, 'tickets', [...staffEvents, ...escalations])).size === staffEvents.length + 1 &&
      (await handledEvents(cluster, 'channels', messageEvents)).size === messageEvents.length &&
      (await handledEvents(cluster, 'messaging', escalations)).size === 1,
    { timeoutMs: 60_000, what: 'every event handled by every consumer' },
  );
});
