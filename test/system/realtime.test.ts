/**
 * The distributed system end to end: channels, messaging and tickets each in its own process, two
 * gateway replicas on real Redis and RabbitMQ, real socket.io-client sockets on both replicas.
 * Every event of the contract reaches the sockets that should have it, on either replica, and
 * never a socket of another tenant or of a non-member.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Channel, Message } from '@chat/contracts';
import { startCluster, uniqueTenant, waitFor, type Cluster } from '@chat/test-kit';
import { actor, api, connectSocket, receive, settle, type Actor, type RecordingSocket } from './helpers.ts';

describe('realtime events across two gateway replicas', () => {
  let cluster: Cluster;
  let g0: string;
  let g1: string;
  const tenant = uniqueTenant('sys');
  const otherTenant = uniqueTenant('sys-other');
  let customer: Actor, agent: Actor, admin: Actor, outsider: Actor, superAdmin: Actor, foreignAgent: Actor;
  let customerSocket: RecordingSocket, agentSocket: RecordingSocket, adminSocket: RecordingSocket;
  let outsiderSocket: RecordingSocket, superSocket: RecordingSocket, foreignSocket: RecordingSocket;
  let channel: Channel;

  before(async () => {
    cluster = await startCluster({ gateways: 2 });
    [g0, g1] = cluster.gateways.map((gateway) => gateway.url) as [string, string];
    customer = await actor(tenant, 'PARTICIPANT');
    agent = await actor(tenant, 'MANAGEMENT_TEAM');
    admin = await actor(tenant, 'TENANT_ADMIN');
    outsider = await actor(tenant, 'PARTICIPANT');
    superAdmin = await actor('platform', 'SUPER_ADMIN');
    foreignAgent = await actor(otherTenant, 'MANAGEMENT_TEAM');
    // The users seen: staff become assignable once the system has seen their token.
    for (const who of [agent, admin, foreignAgent]) assert.equal((await api(g0, who, 'GET', '/api/chat/channels')).status, 200);

    customerSocket = await connectSocket(g0, customer);
    agentSocket = await connectSocket(g1, agent);
    adminSocket = await connectSocket(g0, admin);
    outsiderSocket = await connectSocket(g1, outsider);
    superSocket = await connectSocket(g1, superAdmin);
    foreignSocket = await connectSocket(g0, foreignAgent);
  });

  after(async () => {
    for (const socket of [customerSocket, agentSocket, adminSocket, outsiderSocket, superSocket, foreignSocket]) socket?.close();
    await cluster?.stop();
  });

  it('opens a support case whose ticket reaches the tenant staff and the creator, on both replicas', async () => {
    const created = await api<Channel>(g0, customer, 'POST', '/api/chat/channels', {
      type: 'SUPPORT',
      subject: 'Cannot join the tournament',
      category: 'TOURNAMENT_ISSUE',
      priority: 'HIGH',
    });
    assert.equal(created.status, 201);
    channel = created.body;
    assert.equal(channel.status, 'ACTIVE');
    const isOurs = (payload: { ticket: { channelId: string } }) => payload.ticket.channelId === channel.id;
    await receive(agentSocket, 'ticket_changed', isOurs);
    await receive(adminSocket, 'ticket_changed', isOurs);
    await receive(customerSocket, 'ticket_changed', isOurs);
  });

  it('lets only those who may see the channel join its room', async () => {
    assert.deepEqual(await customerSocket.emitAck('join_channel', { channelId: channel.id }), { ok: true });
    assert.deepEqual(await agentSocket.emitAck('join_channel', { channelId: channel.id }), { ok: true });
    for (const socket of [outsiderSocket, foreignSocket, superSocket]) {
      const answer = await socket.emitAck('join_channel', { channelId: channel.id });
      assert.equal(answer.ok, false);
      assert.equal(answer.error?.code, 'NOT_FOUND');
    }
  });

  it('delivers a message sent on one replica to the room on the other, with a gap-free seq', async () => {
    const answer = await customerSocket.emitAck<{ ok: boolean; message: Message }>('send_message', {
      channelId: channel.id,
      content: 'Hello, the join button does nothing',
      clientMessageId: 'first',
    });
    assert.equal(answer.ok, true);
    assert.equal(answer.message.seq, 1);
    assert.equal(answer.message.senderType, 'PARTICIPANT');
    const delivered = await receive<{ channelId: string; message: Message }>(agentSocket, 'new_message', (payload) => payload.message.id === answer.message.id);
    assert.equal(delivered.message.content, 'Hello, the join button does nothing');

    const again = await customerSocket.emitAck<{ ok: boolean; message: Message }>('send_message', { channelId: channel.id, content: 'retry', clientMessageId: 'first' });
    assert.equal(again.message.id, answer.message.id, 'a retried clientMessageId returns the first message');
  });

  it('shows typing to the others in the room, not to the typist', async () => {
    customerSocket.socket.emit('typing', { channelId: channel.id, isTyping: true });
    const typing = await receive<{ userId: string; userName: string; isTyping: boolean }>(agentSocket, 'user_typing', (payload) => payload.userId === customer.userId);
    assert.equal(typing.userName, customer.name);
    assert.equal(typing.isTyping, true);
    await settle(300);
    assert.equal(customerSocket.of('user_typing').length, 0);
  });

  it('tells the room when a message is read', async () => {
    assert.deepEqual(await agentSocket.emitAck('mark_read', { channelId: channel.id, seq: 1 }), { ok: true });
    const read = await receive<{ userId: string; seq: number }>(customerSocket, 'message_read', (payload) => payload.userId === agent.userId);
    assert.equal(read.seq, 1);
  });

  it('announces an assignment to the room and the assignee', async () => {
    const assigned = await api<Channel>(g0, admin, 'PUT', `/api/chat/channels/${channel.id}/assign`, { assigneeId: agent.userId });
    assert.equal(assigned.status, 200);
    assert.equal(assigned.body.assignedTo, agent.userId);
    await receive(agentSocket, 'channel_assigned', (payload: { channelId: string; assignedTo: string }) => payload.channelId === channel.id && payload.assignedTo === agent.userId);
    await receive(customerSocket, 'channel_assigned', (payload: { channelId: string }) => payload.channelId === channel.id);
  });

  it('keeps internal notes among the staff', async () => {
    const note = await api<{ id: string }>(g1, agent, 'POST', `/api/chat/channels/${channel.id}/notes`, { content: 'Known bug, see the release notes' });
    assert.equal(note.status, 201);
    await receive(agentSocket, 'note_created', (payload: { note: { id: string } }) => payload.note.id === note.body.id);
    assert.equal((await api(g0, customer, 'GET', `/api/chat/channels/${channel.id}/notes`)).status, 404);
  });

  it('alerts platform staff to an escalation, who may then join', async () => {
    const escalated = await api<Channel>(g1, agent, 'PUT', `/api/chat/channels/${channel.id}/escalate`, { reason: 'Needs the platform team' });
    assert.equal(escalated.status, 200);
    assert.equal(escalated.body.status, 'ESCALATED');
    const alert = await receive<{ channelId: string; tenantId: string; reason: string }>(superSocket, 'channel_escalated', (payload) => payload.channelId === channel.id);
    assert.equal(alert.tenantId, tenant);
    assert.equal(alert.reason, 'Needs the platform team');
    await receive(customerSocket, 'channel_status_changed', (payload: { channelId: string; status: string }) => payload.channelId === channel.id && payload.status === 'ESCALATED');
    await waitFor(async () => (await superSocket.emitAck('join_channel', { channelId: channel.id })).ok, { what: 'the super admin to join' });
    await receive(superSocket, 'ticket_changed', (payload: { ticket: { channelId: string; status: string } }) => payload.ticket.channelId === channel.id && payload.ticket.status === 'ESCALATED');
  });

  it("tells platform staff of a tenant admin's platform support ticket, and no other tenant", async () => {
    const created = await api<Channel>(g1, admin, 'POST', '/api/chat/channels', { type: 'PLATFORM_SUPPORT', subject: 'Billing export fails', category: 'BILLING' });
    assert.equal(created.status, 201);
    const isIt = (payload: { ticket: { channelId: string } }) => payload.ticket.channelId === created.body.id;
    const told = await receive<{ ticket: { channelId: string; tenantId: string; status: string } }>(superSocket, 'ticket_changed', isIt);
    assert.deepEqual([told.ticket.tenantId, told.ticket.status], [tenant, 'OPEN']);
    await receive(adminSocket, 'ticket_changed', isIt);
    await settle();
    for (const socket of [foreignSocket, customerSocket, outsiderSocket]) {
      assert.equal(socket.of<{ ticket: { channelId: string } }>('ticket_changed').filter(isIt).length, 0);
    }
  });

  it('tells a member of a new team channel, and one added or removed later, on their own sockets', async () => {
    const created = await api<Channel>(g0, admin, 'POST', '/api/chat/channels', { type: 'TEAM', name: 'Ops', participantIds: [agent.userId] });
    assert.equal(created.status, 201);
    const isIt = (payload: { channelId: string }) => payload.channelId === created.body.id;
    await receive(agentSocket, 'channel_joined', isIt);
    assert.equal((await api(g1, admin, 'POST', `/api/chat/channels/${created.body.id}/participants`, { userId: customer.userId })).status, 400, 'a customer is no team member');
    await settle();
    for (const socket of [customerSocket, outsiderSocket, foreignSocket, superSocket]) assert.equal(socket.of<{ channelId: string }>('channel_joined').filter(isIt).length, 0);
    assert.equal((await api(g1, admin, 'DELETE', `/api/chat/channels/${created.body.id}/participants/${agent.userId}`)).status, 200);
    await receive(agentSocket, 'channel_left', isIt);
  });

  it('carries edits, reactions and deletions to the room', async () => {
    const sent = await api<Message>(g0, customer, 'POST', `/api/chat/channels/${channel.id}/messages`, { content: 'typo hree' });
    assert.equal(sent.status, 201);
    const edited = await api<Message>(g0, customer, 'PATCH', `/api/chat/messages/${sent.body.id}`, { content: 'typo here' });
    assert.equal(edited.status, 200);
    await receive(agentSocket, 'message_updated', (payload: { message: Message }) => payload.message.id === sent.body.id && payload.message.content === 'typo here');
    assert.ok([200, 201].includes((await api(g1, agent, 'POST', `/api/chat/messages/${sent.body.id}/reactions`, { emoji: '👍' })).status));
    await receive(customerSocket, 'reaction_changed', (payload: { messageId: string; reactions: Record<string, number> }) => payload.messageId === sent.body.id && payload.reactions['👍'] === 1);
    assert.equal((await api(g0, customer, 'DELETE', `/api/chat/messages/${sent.body.id}`)).status, 200);
    await receive(agentSocket, 'message_deleted', (payload: { messageId: string; seq: number }) => payload.messageId === sent.body.id && payload.seq === sent.body.seq);
  });

  it('announces presence within the tenant only', async () => {
    const newcomer = await actor(tenant, 'MANAGEMENT_TEAM');
    const socket = await connectSocket(g0, newcomer);
    try {
      await receive(agentSocket, 'presence_changed', (payload: { userId: string; online: boolean }) => payload.userId === newcomer.userId && payload.online);
      await settle(300);
      assert.equal(foreignSocket.of<{ userId: string }>('presence_changed').some((payload) => payload.userId === newcomer.userId), false);
    } finally {
      socket.close();
    }
  });

  it('never delivered anything of the channel to another tenant or a non-member', async () => {
    await settle(500);
    for (const socket of [foreignSocket, outsiderSocket]) {
      for (const [event, payloads] of socket.received) {
        for (const payload of payloads) {
          assert.ok(!JSON.stringify(payload).includes(channel.id), `${event} leaked to a socket that may not see the channel`);
        }
      }
    }
    assert.equal(customerSocket.of('note_created').length, 0, 'a participant never gets a note');
    // The history holds every message once, in seq order, system messages included.
    const history = await api<{ items: Message[] }>(g1, agent, 'GET', `/api/chat/channels/${channel.id}/messages?afterSeq=0&limit=200`);
    assert.deepEqual(history.body.items.map((message) => message.seq), history.body.items.map((_, index) => index + 1));
  });
});
