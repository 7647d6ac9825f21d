/**
 * The SLA path across services: a ticket whose first response is overdue breaches in the tickets
 * service, the channels service escalates its channel on that event, and the ticket follows to
 * ESCALATED, while platform staff are alerted.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Channel, Ticket } from '@chat/contracts';
import { startCluster, uniqueTenant, waitFor, type Cluster } from '@chat/test-kit';
import { actor, api, connectSocket, receive, type RecordingSocket } from './helpers.ts';

let cluster: Cluster;
let superSocket: RecordingSocket;

before(async () => {
  cluster = await startCluster({ gateways: 1, serviceEnv: { tickets: { SLA_SCAN_INTERVAL_MS: '100' } } });
});

after(async () => {
  superSocket?.close();
  await cluster?.stop();
});

it('escalates a case whose first response is overdue, once, and the ticket follows', async () => {
  const tenant = uniqueTenant('sla');
  const admin = await actor(tenant, 'TENANT_ADMIN');
  const customer = await actor(tenant, 'PARTICIPANT');
  const superAdmin = await actor('platform', 'SUPER_ADMIN');
  superSocket = await connectSocket(cluster.url, superAdmin);

  const fast = { firstResponseMinutes: 0.02, resolutionMinutes: 60 };
  const policy = await api(cluster.url, admin, 'PUT', '/api/chat/sla-policy', { targets: { URGENT: fast, HIGH: fast, MEDIUM: fast, LOW: fast } });
  assert.equal(policy.status, 200);

  const created = await api<Channel>(cluster.url, customer, 'POST', '/api/chat/channels', { type: 'SUPPORT', subject: 'Nobody answers', category: 'OTHER' });
  assert.equal(created.status, 201);
  const channelId = created.body.id;

  const alert = await receive<{ channelId: string; tenantId: string }>(superSocket, 'channel_escalated', (payload) => payload.channelId === channelId, 15_000);
  assert.equal(alert.tenantId, tenant);

  const channel = await api<Channel>(cluster.url, admin, 'GET', `/api/chat/channels/${channelId}`);
  assert.equal(channel.body.status, 'ESCALATED');
  const ticket = await waitFor(async () => {
    const list = await api<{ items: Ticket[] }>(cluster.url, admin, 'GET', `/api/chat/tickets?channelId=${channelId}`);
    return list.body.items.find((item) => item.status === 'ESCALATED');
  }, { what: 'the ticket to follow its channel' });
  assert.equal(ticket.channelId, channelId);

  // One breach, one escalation: the conversation tells it once.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(superSocket.of<{ channelId: string }>('channel_escalated').filter((payload) => payload.channelId === channelId).length, 1);
});
