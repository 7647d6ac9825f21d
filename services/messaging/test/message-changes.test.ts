import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Message } from '@chat/contracts';
import { Harness, type TestUser } from './support/harness.ts';

let h: Harness;
let customer: TestUser;
let other: TestUser;
let agent: TestUser;
let channelId: string;

before(async () => {
  h = await Harness.start('messaging_changes', { rabbit: true });
  customer = await h.user('PARTICIPANT');
  other = await h.user('PARTICIPANT');
  agent = await h.user('MANAGEMENT_TEAM');
  channelId = (await h.channel({ type: 'TOURNAMENT', participants: [customer.userId, other.userId] })).id;
});
after(async () => {
  await h?.stop();
});

const edit = (user: TestUser, id: string, body: unknown) => h.call('PATCH', `/api/chat/messages/${id}`, { token: user.token, body });
const remove = (user: TestUser, id: string) => h.call('DELETE', `/api/chat/messages/${id}`, { token: user.token });
const react = (user: TestUser, id: string, body: unknown) => h.call('POST', `/api/chat/messages/${id}/reactions`, { token: user.token, body });
const unreact = (user: TestUser, id: string, emoji: string) =>
  h.call('DELETE', `/api/chat/messages/${id}/reactions/${encodeURIComponent(emoji)}`, { token: user.token });

describe('edits', () => {
  it('lets the author edit, sets editedAt and publishes message.updated', async () => {
    const sent = await h.send(customer, channelId, 'helo');
    const edited = await edit(customer, sent.body.id, { content: 'hello' });
    assert.equal(edited.status, 200);
    const message = Message.parse(edited.body);
    assert.equal(message.content, 'hello');
    assert.equal(message.seq, sent.body.seq);
    assert.ok(message.editedAt !== null && message.editedAt >= message.createdAt);
    const [event] = await h.eventsOf('message.updated', 1, (e) => e.type === 'message.updated' && e.data.message.id === message.id);
    assert.equal(event?.type === 'message.updated' && event.data.message.content, 'hello');
  });

  it('answers 403 to anyone else, staff included, and 400 for bad content, changing nothing', async () => {
    const sent = await h.send(customer, channelId, 'original');
    assert.equal((await edit(other, sent.body.id, { content: 'hijacked' })).status, 403);
    assert.equal((await edit(agent, sent.body.id, { content: 'moderated' })).status, 403);
    for (const body of [{}, { content: '' }, { content: 'x'.repeat(10_001) }, { content: 'ok', seq: 9 }]) {
      assert.equal((await edit(customer, sent.body.id, body)).status, 400, JSON.stringify(body).slice(0, 60));
    }
    const stored = await h.sql.query('SELECT content, edited_at FROM messages WHERE id = $1', [sent.body.id]);
    assert.deepEqual(stored.rows[0], { content: 'original', edited_at: null });
  });

  it('answers 404 for an unknown message or one the caller may not see', async () => {
    assert.equal((await edit(customer, crypto.randomUUID(), { content: 'x' })).status, 404);
    assert.equal((await edit(customer, 'nope', { content: 'x' })).status, 404);
    const stranger = await h.user('PARTICIPANT');
    const sent = await h.send(customer, channelId, 'private');
    assert.equal((await edit(stranger, sent.body.id, { content: 'x' })).status, 404);
    assert.equal((await remove(stranger, sent.body.id)).status, 404);
    assert.equal((await react(stranger, sent.body.id, { emoji: '👍' })).status, 404);
  });
});

describe('deletes', () => {
  it('leaves a tombstone that keeps the seq, for the author, and publishes message.deleted once', async () => {
    const sent = await h.send(customer, channelId, 'oops', { metadata: { secret: true } });
    const deleted = await remove(customer, sent.body.id);
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.seq, sent.body.seq);
    assert.equal(deleted.body.content, '');
    assert.equal(deleted.body.metadata, null);
    assert.ok(deleted.body.deletedAt);
    const again = await remove(customer, sent.body.id);
    assert.equal(again.status, 200);
    assert.equal(again.body.deletedAt, deleted.body.deletedAt);
    await h.eventsOf('message.deleted', 1, (e) => e.type === 'message.deleted' && e.data.message.id === sent.body.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(h.published.filter((e) => e.type === 'message.deleted' && e.data.message.id === sent.body.id).length, 1);

    const page = await h.call('GET', `/api/chat/channels/${channelId}/messages?afterSeq=${sent.body.seq - 1}&limit=1`, { token: other.token });
    assert.equal(page.body.items[0].id, sent.body.id);
    assert.equal(page.body.items[0].content, '');
    assert.equal((await edit(customer, sent.body.id, { content: 'undo' })).status, 409);
  });

  it('lets tenant staff moderate, but not another participant', async () => {
    const sent = await h.send(customer, channelId, 'spam');
    assert.equal((await remove(other, sent.body.id)).status, 403);
    assert.equal((await remove(agent, sent.body.id)).status, 200);
  });
});

describe('reactions', () => {
  it('counts each emoji once per user, publishes message.reaction_changed when the counts change', async () => {
    const sent = await h.send(customer, channelId, 'vote');
    const id = sent.body.id;
    assert.deepEqual((await react(customer, id, { emoji: '👍' })).body.reactions, { '👍': 1 });
    assert.deepEqual((await react(customer, id, { emoji: '👍' })).body.reactions, { '👍': 1 }, 'a second time changes nothing');
    assert.deepEqual((await react(other, id, { emoji: '👍' })).body.reactions, { '👍': 2 });
    assert.deepEqual((await react(other, id, { emoji: '🎉' })).body.reactions, { '👍': 2, '🎉': 1 });
    const history = await h.call('GET', `/api/chat/channels/${channelId}/messages?afterSeq=${sent.body.seq - 1}&limit=1`, { token: agent.token });
    assert.deepEqual(history.body.items[0].reactions, { '👍': 2, '🎉': 1 });

    assert.deepEqual((await unreact(customer, id, '👍')).body.reactions, { '👍': 1, '🎉': 1 });
    assert.deepEqual((await unreact(customer, id, '👍')).body.reactions, { '👍': 1, '🎉': 1 }, 'removing what is not there changes nothing');
    assert.deepEqual((await unreact(other, id, '🎉')).body.reactions, { '👍': 1 });

    const changes = await h.eventsOf('message.reaction_changed', 5, (e) => e.type === 'message.reaction_changed' && e.data.messageId === id);
    assert.deepEqual(changes.at(-1)?.type === 'message.reaction_changed' && changes.at(-1)?.data, { channelId, messageId: id, reactions: { '👍': 1 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(h.published.filter((e) => e.type === 'message.reaction_changed' && e.data.messageId === id).length, 5);
  });

  it('keeps the counts right under concurrent reactions', async () => {
    const sent = await h.send(customer, channelId, 'popular');
    const users = await Promise.all(Array.from({ length: 30 }, () => h.user('PARTICIPANT')));
    await h.publishChannelEvent('channel.participant_added', {
      channel: {
        id: channelId,
        tenantId: h.tenant,
        type: 'TOURNAMENT',
        status: 'ACTIVE',
        name: null,
        createdBy: customer.userId,
        assignedTo: null,
        escalatedTo: null,
        participants: [customer, other, ...users].map((user) => ({ userId: user.userId, role: null })),
        revision: 2,
        updatedAt: new Date().toISOString(),
      },
      userId: users[0]?.userId ?? '',
    });
    await Promise.all(users.flatMap((user) => [react(user, sent.body.id, { emoji: '🔥' }), react(user, sent.body.id, { emoji: '❤️' })]));
    const stored = await h.sql.query('SELECT reactions FROM messages WHERE id = $1', [sent.body.id]);
    assert.deepEqual(stored.rows[0]?.reactions, { '🔥': 30, '❤️': 30 });
  });

  it('refuses bad emoji with 400 and reactions on deleted messages with 409', async () => {
    const sent = await h.send(customer, channelId, 'react to me');
    for (const body of [{}, { emoji: '' }, { emoji: 'a b' }, { emoji: 'x'.repeat(65) }, { emoji: 5 }, { emoji: '👍', extra: 1 }]) {
      assert.equal((await react(customer, sent.body.id, body)).status, 400, JSON.stringify(body));
    }
    assert.equal(await h.count('message_reactions', 'message_id = $1', [sent.body.id]), 0);
    assert.equal((await react(customer, sent.body.id, { emoji: ':tada:' })).status, 200);
    await remove(customer, sent.body.id);
    assert.equal((await react(other, sent.body.id, { emoji: '👍' })).status, 409);
    assert.equal(await h.count('message_reactions', 'message_id = $1', [sent.body.id]), 0);
  });

  it('freezes an archived channel: no edits, deletes or reactions (409)', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    const sent = await h.send(customer, channel.id, 'last words');
    await h.publishChannelEvent('channel.archived', {
      channel: {
        id: channel.id,
        tenantId: h.tenant,
        type: channel.type,
        status: 'ARCHIVED',
        name: null,
        createdBy: channel.createdBy,
        assignedTo: null,
        escalatedTo: null,
        participants: channel.participants,
        revision: 2,
        updatedAt: new Date().toISOString(),
      },
    });
    assert.equal((await edit(customer, sent.body.id, { content: 'changed' })).status, 409);
    assert.equal((await remove(customer, sent.body.id)).status, 409);
    assert.equal((await react(customer, sent.body.id, { emoji: '👍' })).status, 409);
  });
});
