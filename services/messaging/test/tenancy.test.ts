import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Role } from '@chat/contracts';
import { Harness, type TestUser } from './support/harness.ts';

/**
 * Another tenant's ids answer 404 on every route, whatever the caller's role, even when the
 * caller's user id is the very id of a participant over there, and nothing changes.
 */
let h: Harness;
let owner: TestUser;
let channelId: string;
let messageId: string;
let ownerChannelNote: string;

before(async () => {
  h = await Harness.start('messaging_tenancy');
  owner = await h.user('PARTICIPANT');
  const staff = await h.user('TENANT_ADMIN');
  const channel = await h.channel({ type: 'TOURNAMENT', participants: [owner.userId, staff.userId] });
  h.owner.set(channel);
  channelId = channel.id;
  messageId = (await h.send(owner, channelId, 'confidential tenant text')).body.id;
  await h.call('POST', `/api/chat/messages/${messageId}/reactions`, { token: owner.token, body: { emoji: '👍' } });
  ownerChannelNote = (await h.call('POST', `/api/chat/channels/${channelId}/notes`, { token: staff.token, body: { content: 'confidential note' } })).body.id;
});
after(async () => {
  await h?.stop();
});

const ROLES: Role[] = ['PARTICIPANT', 'MANAGEMENT_TEAM', 'TENANT_ADMIN'];

it('answers 404 to another tenant on every route and changes nothing', async () => {
  assert.ok(ownerChannelNote);
  const snapshot = async () => ({
    messages: (await h.sql.query('SELECT id, content, reactions, edited_at, deleted_at FROM messages ORDER BY seq')).rows,
    marks: (await h.sql.query('SELECT * FROM read_marks ORDER BY user_id')).rows,
    notes: await h.count('notes'),
    reactions: await h.count('message_reactions'),
    copies: (await h.sql.query('SELECT * FROM channel_copies')).rows,
  });
  const before = await snapshot();

  for (const role of ROLES) {
    // The same user id as the participant over there: ids are only unique within a tenant.
    const intruder = await h.user(role, h.otherTenant, owner.userId);
    const routes: [string, string, unknown?][] = [
      ['POST', `/api/chat/channels/${channelId}/messages`, { content: 'hi' }],
      ['GET', `/api/chat/channels/${channelId}/messages`],
      ['GET', `/api/chat/channels/${channelId}/messages?afterSeq=0`],
      ['POST', `/api/chat/channels/${channelId}/read`, { seq: 1 }],
      ['PATCH', `/api/chat/messages/${messageId}`, { content: 'edited' }],
      ['DELETE', `/api/chat/messages/${messageId}`],
      ['POST', `/api/chat/messages/${messageId}/reactions`, { emoji: '👎' }],
      ['DELETE', `/api/chat/messages/${messageId}/reactions/${encodeURIComponent('👍')}`],
      ['POST', `/api/chat/channels/${channelId}/notes`, { content: 'x' }],
      ['GET', `/api/chat/channels/${channelId}/notes`],
      ['GET', `/api/chat/search?q=confidential&channelId=${channelId}`],
    ];
    for (const [method, path, body] of routes) {
      const answer = await h.call(method, path, { token: intruder.token, body });
      assert.equal(answer.status, 404, `${role} ${method} ${path} answered ${answer.status}`);
      assert.equal(answer.body.error.code, 'NOT_FOUND');
    }
    // Bad bodies on another tenant's ids are still 404: visibility is judged first.
    const badBody = await h.call('POST', `/api/chat/channels/${channelId}/messages`, { token: intruder.token, body: { content: '' } });
    assert.equal(badBody.status, 404);

    const search = await h.call('GET', '/api/chat/search?q=confidential', { token: intruder.token });
    assert.deepEqual(search.body, { items: [], nextCursor: null });
    const summaries = await h.call('POST', '/internal/channel-summaries', { token: intruder.token, body: { channelIds: [channelId] } });
    assert.deepEqual(summaries.body.items, [{ channelId, lastMessage: null, unreadCount: 0 }]);
  }

  // Platform staff do not see a tenant's ordinary channels either.
  const platform = await h.user('SUPER_ADMIN', 'platform');
  assert.equal((await h.send(platform, channelId, 'hi')).status, 404);
  assert.equal((await h.call('PATCH', `/api/chat/messages/${messageId}`, { token: platform.token, body: { content: 'x' } })).status, 404);
  assert.deepEqual((await h.call('GET', '/api/chat/search?q=confidential', { token: platform.token })).body.items, []);

  assert.deepEqual(await snapshot(), before);
});

it('finds the same text for its own tenant, so the searches above could have found it', async () => {
  const found = await h.call('GET', '/api/chat/search?q=confidential', { token: owner.token });
  assert.deepEqual(found.body.items.map((item: { content: string }) => item.content), ['confidential tenant text']);
});
