import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeEnvelope, type EventEnvelope } from '@chat/contracts';
import { Harness, snapshotOf, type TestUser } from './support/harness.ts';

/** The local copy of each channel, fed by `channel.*` events on a real RabbitMQ exchange. */
let h: Harness;
let customer: TestUser;
let agent: TestUser;

before(async () => {
  h = await Harness.start('messaging_copy', { rabbit: true });
  customer = await h.user('PARTICIPANT');
  agent = await h.user('TENANT_ADMIN');
});
after(async () => {
  await h?.stop();
});

const history = (user: TestUser, channelId: string) => h.call('GET', `/api/chat/channels/${channelId}/messages`, { token: user.token });

describe('membership from channel events', () => {
  it('takes a removed participant out within a second of channel.participant_removed', async () => {
    const channel = await h.channel({ participants: [customer.userId, agent.userId] });
    assert.equal((await h.send(customer, channel.id, 'I am here')).status, 201);
    // The owner already agrees the customer is gone, as the real channels service would.
    const removed = h.owner.set({ ...channel, participants: [{ userId: agent.userId, role: null }], revision: 2 });
    const event = makeEnvelope('channel.participant_removed', h.tenant, { userId: agent.userId, role: 'TENANT_ADMIN' }, { channel: removed, userId: customer.userId });
    const published = Date.now();
    await h.bus.publish([event]);
    let refusedAfter = Infinity;
    while (Date.now() - published < 5_000) {
      if ((await h.send(customer, channel.id, 'still here?')).status === 404) {
        refusedAfter = Date.now() - published;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(refusedAfter < 1_000, `refused after ${refusedAfter} ms`);
    assert.equal((await history(customer, channel.id)).status, 404);
    assert.equal((await h.call('POST', `/api/chat/channels/${channel.id}/read`, { token: customer.token, body: { seq: 1 } })).status, 404);
    const stored = await h.count('messages', 'channel_id = $1', [channel.id]);
    assert.equal((await h.send(customer, channel.id, 'and now?')).status, 404);
    assert.equal(await h.count('messages', 'channel_id = $1', [channel.id]), stored);
    // The copy itself follows, so the refusal does not hang on asking the owner each time.
    const copy = await h.sql.query('SELECT revision, participants FROM channel_copies WHERE id = $1', [channel.id]);
    assert.deepEqual(copy.rows[0], { revision: 2, participants: [agent.userId] });
  });

  it('lets a participant in once channel.participant_added arrives', async () => {
    const newcomer = await h.user('PARTICIPANT');
    const channel = await h.channel({ type: 'TOURNAMENT', participants: [customer.userId] });
    assert.equal((await h.send(newcomer, channel.id, 'hi')).status, 404);
    await h.publishChannelEvent('channel.participant_added', {
      channel: { ...channel, participants: [...channel.participants, { userId: newcomer.userId, role: null }], revision: 2 },
      userId: newcomer.userId,
    });
    assert.equal((await h.send(newcomer, channel.id, 'hi')).status, 201);
  });

  it('changes nothing when an event is applied twice, or an older snapshot arrives late', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    const resolved = makeEnvelope('channel.resolved', h.tenant, { userId: agent.userId, role: 'TENANT_ADMIN' }, {
      channel: { ...channel, status: 'RESOLVED', revision: 3 },
      resolution: 'Fixed',
    });
    await h.publishRaw(resolved as EventEnvelope);
    const copyOf = async () => (await h.sql.query('SELECT status, revision, participants FROM channel_copies WHERE id = $1', [channel.id])).rows[0];
    const messagesOf = async () => (await h.sql.query('SELECT seq, content FROM messages WHERE channel_id = $1 ORDER BY seq', [channel.id])).rows;
    const copyBefore = await copyOf();
    const messagesBefore = await messagesOf();
    assert.deepEqual(messagesBefore, [{ seq: 1, content: 'Resolved: Fixed' }]);

    // The same event again (a redelivery), by its id: no second system message, no change.
    await h.bus.publish([resolved as EventEnvelope]);
    // An older snapshot that lost the race (revision 2, still ACTIVE, customer gone).
    await h.publishChannelEvent('channel.participant_removed', { channel: { ...channel, participants: [], revision: 2 }, userId: customer.userId });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await copyOf(), copyBefore);
    assert.deepEqual(copyBefore, { status: 'RESOLVED', revision: 3, participants: [customer.userId] });
    assert.deepEqual(await messagesOf(), messagesBefore);
    assert.equal((await h.send(customer, channel.id, 'still mine')).status, 201);
  });
});

describe('system messages', () => {
  it('tells assignment, escalation, resolution, reopening and archiving in the conversation, each with its seq', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    await h.send(customer, channel.id, 'my problem');
    const next = (revision: number, extra: Partial<typeof channel> = {}) => ({ ...channel, ...extra, revision });
    await h.publishChannelEvent('channel.assigned', { channel: next(2, { assignedTo: agent.userId }), assignedTo: agent.userId });
    await h.publishChannelEvent('channel.escalated', { channel: next(3, { status: 'ESCALATED' }), escalatedTo: null, reason: 'Needs platform', automatic: false });
    await h.publishChannelEvent('channel.resolved', { channel: next(4, { status: 'RESOLVED' }), resolution: null });
    await h.publishChannelEvent('channel.reopened', { channel: next(5, { status: 'ACTIVE' }) });
    await h.publishChannelEvent('channel.archived', { channel: next(6, { status: 'ARCHIVED' }) });

    const page = await history(customer, channel.id);
    assert.equal(page.status, 200);
    const told = page.body.items.map((message: { seq: number; senderType: string; content: string }) => [message.seq, message.senderType, message.content]);
    assert.deepEqual(told, [
      [1, 'PARTICIPANT', 'my problem'],
      [2, 'SYSTEM', `Assigned to ${agent.userId}`],
      [3, 'SYSTEM', 'Escalated to platform support: Needs platform'],
      [4, 'SYSTEM', 'Resolved'],
      [5, 'SYSTEM', 'Reopened'],
      [6, 'SYSTEM', 'Archived'],
    ]);
    assert.equal(page.body.items[1].senderId, 'system');
    assert.equal(page.body.items[1].metadata.event, 'channel.assigned');

    const created = await h.eventsOf('message.created', 5, (event) => event.type === 'message.created' && event.data.message.channelId === channel.id && event.data.message.senderType === 'SYSTEM');
    assert.ok(created.every((event) => event.actor.role === 'SYSTEM'));
    // Nobody's unread count is spared the story, and nobody can edit or delete it.
    const systemMessage = page.body.items[1];
    assert.equal((await h.call('DELETE', `/api/chat/messages/${systemMessage.id}`, { token: agent.token })).status, 403);
  });
});

describe('asking the owner when the copy cannot say yes', () => {
  it('asks channels about an unknown channel, keeps the answer, and does not ask again', async () => {
    const fresh = h.owner.set(snapshotOf({ tenantId: h.tenant, participants: [customer.userId] }));
    const asked = h.owner.asked.length;
    const sent = await h.send(customer, fresh.id, 'right after creating it');
    assert.equal(sent.status, 201);
    assert.equal(sent.body.seq, 1);
    assert.equal(h.owner.asked.length, asked + 1);
    assert.equal(await h.count('channel_copies', 'id = $1', [fresh.id]), 1);
    assert.equal((await h.send(customer, fresh.id, 'again')).status, 201);
    assert.equal(h.owner.asked.length, asked + 1, 'the copy answers from now on');
  });

  it('asks when the caller is not yet a participant in the copy, and stores the newer snapshot', async () => {
    const newcomer = await h.user('PARTICIPANT');
    const channel = await h.channel({ participants: [customer.userId] });
    h.owner.set({ ...channel, participants: [...channel.participants, { userId: newcomer.userId, role: null }], revision: 2 });
    assert.equal((await h.send(newcomer, channel.id, 'just added')).status, 201);
    const copy = await h.sql.query('SELECT revision, participants FROM channel_copies WHERE id = $1', [channel.id]);
    assert.deepEqual(copy.rows[0], { revision: 2, participants: [customer.userId, newcomer.userId] });
  });

  it('answers 404 when the owner says 404, and keeps a newer copy over an older answer', async () => {
    const outsider = await h.user('PARTICIPANT');
    const unknown = crypto.randomUUID();
    assert.equal((await h.send(outsider, unknown, 'hello?')).status, 404);
    assert.equal(await h.count('channel_copies', 'id = $1', [unknown]), 0);

    const channel = await h.channel({ participants: [customer.userId], revision: 5 });
    h.owner.set({ ...channel, participants: [...channel.participants, { userId: outsider.userId, role: null }], revision: 4 });
    assert.equal((await h.send(outsider, channel.id, 'stale yes')).status, 404);
    const copy = await h.sql.query('SELECT revision FROM channel_copies WHERE id = $1', [channel.id]);
    assert.equal(copy.rows[0]?.revision, 5);
  });

  it('answers 503 rather than a refusal while the owner cannot be reached', async () => {
    const bare = await Harness.start('messaging_owner_down', { owner: true });
    try {
      const user = await bare.user('PARTICIPANT');
      await bare.owner.stop();
      const answer = await bare.send(user, crypto.randomUUID(), 'hello?');
      assert.equal(answer.status, 503);
      assert.equal(answer.body.error.code, 'SERVICE_UNAVAILABLE');
    } finally {
      await bare.stop();
    }
  });

  it('never asks the owner for notes on behalf of a participant', async () => {
    const asked = h.owner.asked.length;
    const channel = h.owner.set(snapshotOf({ tenantId: h.tenant, participants: [customer.userId] }));
    assert.equal((await h.call('GET', `/api/chat/channels/${channel.id}/notes`, { token: customer.token })).status, 404);
    assert.equal(h.owner.asked.length, asked);
  });
});

describe('platform staff', () => {
  it('acts in the channel tenant on escalated channels only', async () => {
    const platform = await h.user('SUPER_ADMIN', 'platform');
    const quiet = await h.channel({ participants: [customer.userId] });
    assert.equal((await h.send(platform, quiet.id, 'peeking')).status, 404);
    const escalated = await h.channel({ participants: [customer.userId], status: 'ESCALATED' });
    const sent = await h.send(platform, escalated.id, 'platform here');
    assert.equal(sent.status, 201);
    assert.equal(sent.body.tenantId, h.tenant);
    assert.equal(sent.body.senderType, 'SUPER_ADMIN');
    assert.equal((await history(platform, escalated.id)).body.items.length, 1);
  });
});
