import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeEnvelope, type ChannelSnapshot, type Message, type Note, type Ticket } from '@chat/contracts';
import { connect, pause, startHarness, uniqueTenant, user, type Harness, type TestSocket, type TestUser } from './support/harness.ts';

/**
 * Two replicas sharing real Redis (adapter) and one RabbitMQ queue: every event reaches exactly the
 * sockets API.md names, on whichever replica they are, and never another tenant's or a non-member's.
 */
describe('socket fan-out across two replicas', () => {
  let harness: Harness;
  const tenantA = uniqueTenant('a');
  const tenantB = uniqueTenant('b');
  let alice: TestUser, bob: TestUser, staff: TestUser, admin: TestUser, staff2: TestUser, eve: TestUser, root: TestUser;
  let support: ChannelSnapshot, channelB: ChannelSnapshot;
  const sockets: Record<string, TestSocket> = {};
  const actor = { userId: 'system', role: 'SYSTEM' as const };

  before(async () => {
    harness = await startHarness({ replicas: 2 });
    [alice, bob, staff, admin, staff2, eve, root] = await Promise.all([
      user(tenantA, 'PARTICIPANT', 'Alice'),
      user(tenantA, 'PARTICIPANT', 'Bob'),
      user(tenantA, 'MANAGEMENT_TEAM', 'Sam'),
      user(tenantA, 'TENANT_ADMIN', 'Ada'),
      user(tenantA, 'MANAGEMENT_TEAM', 'Tess'),
      user(tenantB, 'TENANT_ADMIN', 'Eve'),
      user('platform', 'SUPER_ADMIN', 'Root'),
    ]);
    support = harness.fakes.addChannel({ tenantId: tenantA, type: 'SUPPORT', participants: [{ userId: alice.userId, role: 'PARTICIPANT' }] });
    channelB = harness.fakes.addChannel({ tenantId: tenantB, type: 'TEAM', participants: [{ userId: eve.userId, role: 'TENANT_ADMIN' }] });
    const [gw0, gw1] = harness.gateways.map((gateway) => gateway.url) as [string, string];
    // Alternate replicas, so that every audience spans both.
    Object.assign(sockets, {
      alice: await connect(gw0, alice),
      aliceTab2: await connect(gw1, alice),
      staff: await connect(gw1, staff),
      admin: await connect(gw0, admin),
      staff2: await connect(gw1, staff2),
      bob: await connect(gw1, bob),
      eve: await connect(gw0, eve),
      root: await connect(gw1, root),
    });
  });

  after(async () => {
    for (const socket of Object.values(sockets)) socket.close();
    await harness.close();
  });

  const join = (name: string, channelId: string) => sockets[name]!.request<{ ok: boolean; error?: { code: string } }>('join_channel', { channelId });
  /** The audience got it; then, after a settle time, the others have not. */
  async function expectOnly<T>(event: string, match: (payload: T) => boolean, to: string[], notTo: string[]): Promise<T[]> {
    const got = await Promise.all(to.map((name) => sockets[name]!.waitFor<T>(event, match)));
    await pause(300);
    for (const name of notTo) assert.equal(sockets[name]!.of<T>(event).filter(match).length, 0, `${name} must not get ${event}`);
    return got;
  }

  test('joins are checked against who may see the channel', async () => {
    assert.deepEqual(await join('alice', support.id), { ok: true });
    assert.deepEqual(await join('aliceTab2', support.id), { ok: true });
    assert.deepEqual(await join('staff', support.id), { ok: true });
    assert.deepEqual(await join('admin', support.id), { ok: true });
    assert.deepEqual(await join('eve', channelB.id), { ok: true });
    for (const outsider of ['bob', 'eve', 'root']) {
      const answer = await join(outsider, support.id);
      assert.equal(answer.ok, false, `${outsider} joined`);
      assert.equal(answer.error?.code, 'NOT_FOUND');
    }
  });

  test('new_message reaches the room on both replicas and nobody else', async () => {
    const message = messageIn(support, 1, 'hello from the bus');
    await harness.publish(makeEnvelope('message.created', tenantA, actor, { message }));
    const got = await expectOnly<{ channelId: string; message: Message }>(
      'new_message',
      (payload) => payload.message.id === message.id,
      ['alice', 'aliceTab2', 'staff', 'admin'],
      ['bob', 'eve', 'root', 'staff2'],
    );
    assert.deepEqual(got[0], { channelId: support.id, message });
  });

  test('send_message goes through messaging and is acknowledged with the stored message', async () => {
    const answer = await sockets.alice!.request<{ ok: true; message: Message }>('send_message', { channelId: support.id, content: 'need help', clientMessageId: 'c-1' });
    assert.equal(answer.ok, true);
    assert.equal(answer.message.content, 'need help');
    assert.equal(answer.message.senderId, alice.userId);
    await expectOnly<{ message: Message }>('new_message', (payload) => payload.message.id === answer.message.id, ['staff', 'admin', 'aliceTab2'], ['bob', 'eve']);
    const again = await sockets.alice!.request<{ ok: true; message: Message }>('send_message', { channelId: support.id, content: 'need help', clientMessageId: 'c-1' });
    assert.equal(again.message.id, answer.message.id, 'a repeated clientMessageId is the same message');

    const refused = await sockets.bob!.request<{ ok: false; error: { code: string } }>('send_message', { channelId: support.id, content: 'let me in' });
    assert.deepEqual(refused.ok, false);
    assert.equal(refused.error.code, 'NOT_FOUND');
  });

  test('note_created reaches staff in the room, never a participant', async () => {
    const note: Note = { id: crypto.randomUUID(), channelId: support.id, tenantId: tenantA, seq: 1, authorId: staff.userId, content: 'refund?', createdAt: new Date().toISOString() };
    await harness.publish(makeEnvelope('note.created', tenantA, actor, { note }));
    await expectOnly<{ note: Note }>('note_created', (payload) => payload.note.id === note.id, ['staff', 'admin'], ['alice', 'aliceTab2', 'bob', 'eve', 'root', 'staff2']);
  });

  test('typing reaches the others in the room, not the typist nor its other tabs', async () => {
    sockets.alice!.socket.emit('typing', { channelId: support.id, isTyping: true });
    const [seen] = await expectOnly<{ userId: string; isTyping: boolean; userName: string; channelId: string }>(
      'user_typing',
      (payload) => payload.userId === alice.userId && payload.isTyping,
      ['staff', 'admin'],
      ['alice', 'aliceTab2', 'bob', 'eve', 'staff2'],
    );
    assert.deepEqual(seen, { channelId: support.id, userId: alice.userId, userName: 'Alice', isTyping: true });

    // Repeats inside the throttle interval are swallowed; stopping goes out at once.
    const before = sockets.staff!.of('user_typing').length;
    for (let index = 0; index < 5; index++) sockets.alice!.socket.emit('typing', { channelId: support.id, isTyping: true });
    sockets.alice!.socket.emit('typing', { channelId: support.id, isTyping: false });
    await sockets.staff!.waitFor<{ isTyping: boolean }>('user_typing', (payload) => !payload.isTyping);
    assert.equal(sockets.staff!.of('user_typing').length, before + 1);

    // Only in a joined channel.
    sockets.bob!.socket.emit('typing', { channelId: support.id, isTyping: true });
    const refusal = await sockets.bob!.waitFor<{ event: string; error: { code: string } }>('chat_error', (payload) => payload.event === 'typing');
    assert.equal(refusal.error.code, 'NOT_FOUND');
  });

  test('mark_read is acknowledged and message_read reaches the room', async () => {
    assert.deepEqual(await sockets.staff!.request('mark_read', { channelId: support.id, seq: 1 }), { ok: true });
    await expectOnly<{ userId: string; seq: number }>('message_read', (payload) => payload.userId === staff.userId, ['alice', 'admin'], ['bob', 'eve']);
  });

  test('ticket_changed goes to tenant staff and the creator; platform staff only once escalated', async () => {
    const ticket = ticketOf(support, alice.userId, 'OPEN');
    await harness.publish(makeEnvelope('ticket.opened', tenantA, actor, { ticket, channelType: 'SUPPORT' }));
    // Tenant staff hear of it without having joined anything (staff2).
    await expectOnly<{ ticket: Ticket }>('ticket_changed', (payload) => payload.ticket.status === 'OPEN', ['staff', 'admin', 'staff2', 'alice', 'aliceTab2'], ['bob', 'eve', 'root']);

    await harness.publish(makeEnvelope('ticket.updated', tenantA, actor, { ticket: { ...ticket, status: 'ESCALATED' } }));
    await expectOnly<{ ticket: Ticket }>('ticket_changed', (payload) => payload.ticket.status === 'ESCALATED', ['staff', 'admin', 'alice', 'root'], ['bob', 'eve']);
  });

  test('ticket_changed of a platform support ticket reaches platform staff, told by the event alone', async () => {
    // No channel event comes first: the gateway remembers nothing, the ticket event says it all.
    const platform = harness.fakes.addChannel({ tenantId: tenantA, type: 'PLATFORM_SUPPORT', participants: [{ userId: admin.userId, role: 'TENANT_ADMIN' }] });
    const ticket = ticketOf(platform, admin.userId, 'OPEN');
    await harness.publish(makeEnvelope('ticket.opened', tenantA, actor, { ticket, channelType: 'PLATFORM_SUPPORT' }));
    await expectOnly<{ ticket: Ticket }>('ticket_changed', (payload) => payload.ticket.id === ticket.id, ['admin', 'staff', 'root'], ['alice', 'bob', 'eve']);
  });

  test('channel_escalated reaches the room and platform staff; status changes reach participants', async () => {
    const escalated = harness.fakes.updateChannel(support.id, { status: 'ESCALATED' });
    await harness.publish(makeEnvelope('channel.escalated', tenantA, actor, { channel: escalated, escalatedTo: null, reason: 'stuck', automatic: false }));
    const [seen] = await expectOnly<{ channelId: string; tenantId: string; escalatedTo: string | null; reason: string }>(
      'channel_escalated',
      (payload) => payload.channelId === support.id,
      ['root', 'alice', 'staff', 'admin'],
      ['bob', 'eve', 'staff2'],
    );
    assert.deepEqual(seen, { channelId: support.id, tenantId: tenantA, escalatedTo: null, reason: 'stuck' });
    await expectOnly<{ status: string }>('channel_status_changed', (payload) => payload.status === 'ESCALATED', ['alice', 'aliceTab2', 'staff', 'admin'], ['bob', 'eve', 'staff2']);
    // Now platform staff may see it, and join it, in the channel's tenant.
    assert.deepEqual(await join('root', support.id), { ok: true });
  });

  test('channel_assigned reaches the room and the assignee, joined or not', async () => {
    const assigned = harness.fakes.updateChannel(support.id, {
      assignedTo: staff2.userId,
      participants: [...harness.fakes.channels.get(support.id)!.participants, { userId: staff2.userId, role: 'MANAGEMENT_TEAM' }],
    });
    await harness.publish(makeEnvelope('channel.assigned', tenantA, actor, { channel: assigned, assignedTo: staff2.userId }));
    await expectOnly<{ assignedTo: string }>('channel_assigned', (payload) => payload.assignedTo === staff2.userId, ['staff2', 'alice', 'staff', 'root'], ['bob', 'eve']);
  });

  test('events of another tenant reach only that tenant', async () => {
    const message = messageIn(channelB, 1, 'tenant B only');
    await harness.publish(makeEnvelope('message.created', tenantB, actor, { message }));
    await expectOnly<{ message: Message }>('new_message', (payload) => payload.message.id === message.id, ['eve'], ['alice', 'aliceTab2', 'staff', 'admin', 'staff2', 'bob', 'root']);
  });

  test('channel_joined and channel_left reach the member concerned, on every tab, and no one else', async () => {
    const team = harness.fakes.addChannel({ tenantId: tenantA, type: 'TEAM', participants: [{ userId: alice.userId, role: 'PARTICIPANT' }, { userId: staff.userId, role: 'MANAGEMENT_TEAM' }] });
    const isTeam = (payload: { channelId: string; tenantId: string }) => payload.channelId === team.id && payload.tenantId === tenantA;
    await harness.publish(makeEnvelope('channel.created', tenantA, actor, { channel: team, ticket: null, metadata: null }));
    await expectOnly('channel_joined', isTeam, ['alice', 'aliceTab2', 'staff'], ['bob', 'admin', 'staff2', 'eve', 'root']);

    const withBob = harness.fakes.updateChannel(team.id, { participants: [...team.participants, { userId: bob.userId, role: 'PARTICIPANT' }] });
    await harness.publish(makeEnvelope('channel.participant_added', tenantA, actor, { channel: withBob, userId: bob.userId }));
    await expectOnly('channel_joined', isTeam, ['bob'], ['admin', 'staff2', 'eve', 'root']);
    assert.equal(sockets.alice!.of<{ channelId: string; tenantId: string }>('channel_joined').filter(isTeam).length, 1, 'alice was told once, not again for bob');

    const withoutBob = harness.fakes.updateChannel(team.id, { participants: team.participants });
    await harness.publish(makeEnvelope('channel.participant_removed', tenantA, actor, { channel: withoutBob, userId: bob.userId }));
    await expectOnly('channel_left', isTeam, ['bob'], ['alice', 'aliceTab2', 'staff', 'admin', 'staff2', 'eve', 'root']);
  });

  test('a removed participant leaves the room on every replica, at once', async () => {
    const removed = harness.fakes.updateChannel(support.id, {
      participants: harness.fakes.channels.get(support.id)!.participants.filter((participant) => participant.userId !== alice.userId),
    });
    await harness.publish(makeEnvelope('channel.participant_removed', tenantA, actor, { channel: removed, userId: alice.userId }));
    await pause(500);
    const message = messageIn(support, 99, 'after the removal');
    await harness.publish(makeEnvelope('message.created', tenantA, actor, { message }));
    await expectOnly<{ message: Message }>('new_message', (payload) => payload.message.id === message.id, ['staff', 'admin', 'root'], ['alice', 'aliceTab2', 'bob']);
    // And the cached "yes" is gone: joining again is refused.
    assert.equal((await join('alice', support.id)).ok, false);
    assert.equal((await join('aliceTab2', support.id)).ok, false);
  });

  test('presence: first connect and last disconnect, across replicas and only within the tenant', async () => {
    const carol = await user(tenantA, 'PARTICIPANT', 'Carol');
    const [gw0, gw1] = harness.gateways.map((gateway) => gateway.url) as [string, string];
    const first = await connect(gw0, carol);
    await expectOnly<{ userId: string; online: boolean }>('presence_changed', (payload) => payload.userId === carol.userId && payload.online, ['staff', 'alice'], ['eve', 'root']);
    const second = await connect(gw1, carol);
    const presence = await fetch(`${gw1}/api/chat/presence?userIds=${carol.userId},${bob.userId},nobody`, { headers: { authorization: `Bearer ${staff.token}` } });
    assert.equal(presence.status, 200);
    assert.deepEqual(await presence.json(), {
      items: [
        { userId: carol.userId, online: true },
        { userId: bob.userId, online: true },
        { userId: 'nobody', online: false },
      ],
    });
    const everyone = (await (await fetch(`${gw0}/api/chat/presence`, { headers: { authorization: `Bearer ${eve.token}` } })).json()) as { items: { userId: string }[] };
    assert.deepEqual(everyone.items.map((item) => item.userId), [eve.userId], 'tenant B sees only its own');

    first.close();
    await pause(300);
    assert.equal(sockets.staff!.of<{ userId: string; online: boolean }>('presence_changed').filter((payload) => payload.userId === carol.userId && !payload.online).length, 0, 'still online on the other replica');
    second.close();
    await expectOnly<{ userId: string; online: boolean }>('presence_changed', (payload) => payload.userId === carol.userId && !payload.online, ['staff', 'admin'], ['eve']);
  });
});

function messageIn(channel: ChannelSnapshot, seq: number, content: string): Message {
  return {
    id: crypto.randomUUID(),
    channelId: channel.id,
    tenantId: channel.tenantId,
    seq,
    senderId: 'someone',
    senderType: 'PARTICIPANT',
    content,
    metadata: null,
    createdAt: new Date().toISOString(),
    editedAt: null,
    deletedAt: null,
  };
}

function ticketOf(channel: ChannelSnapshot, createdBy: string, status: Ticket['status']): Ticket {
  const now = new Date().toISOString();
  return {
    id: crypto.randomUUID(),
    number: 1,
    channelId: channel.id,
    tenantId: channel.tenantId,
    subject: 'Help',
    category: 'TECHNICAL',
    priority: 'MEDIUM',
    status,
    createdBy,
    assignedTo: null,
    escalatedTo: null,
    resolution: null,
    resolvedAt: null,
    resolvedBy: null,
    firstResponseAt: null,
    createdAt: now,
    updatedAt: now,
  };
}
