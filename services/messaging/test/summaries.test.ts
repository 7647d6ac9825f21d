import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ChannelSummaries } from '@chat/contracts';
import { Harness, type TestUser } from './support/harness.ts';

let h: Harness;
let customer: TestUser;
let agent: TestUser;

before(async () => {
  h = await Harness.start('messaging_summaries');
  customer = await h.user('PARTICIPANT');
  agent = await h.user('TENANT_ADMIN');
});
after(async () => {
  await h?.stop();
});

const summaries = (user: TestUser, body: unknown) => h.call('POST', '/internal/channel-summaries', { token: user.token, body });

it('answers the last message and unread count of each channel, in the order asked', async () => {
  const busy = (await h.channel({ participants: [customer.userId] })).id;
  const quiet = (await h.channel({ participants: [customer.userId] })).id;
  for (let index = 1; index <= 4; index++) await h.send(agent, busy, `update ${index}`);
  await h.call('POST', `/api/chat/channels/${busy}/read`, { token: customer.token, body: { seq: 1 } });

  const answer = await summaries(customer, { channelIds: [quiet, busy] });
  assert.equal(answer.status, 200);
  const { items } = ChannelSummaries.parse(answer.body);
  assert.deepEqual(items.map((item) => [item.channelId, item.lastMessage?.content ?? null, item.unreadCount]), [
    [quiet, null, 0],
    [busy, 'update 4', 3],
  ]);
  // The agent sent all four: nothing is unread for the sender.
  assert.equal((await summaries(agent, { channelIds: [busy] })).body.items[0].unreadCount, 0);
});

it('tells nothing about channels the caller may not see, unknown ones, or another tenant', async () => {
  const stranger = await h.user('PARTICIPANT');
  const channel = (await h.channel({ participants: [customer.userId] })).id;
  await h.send(customer, channel, 'private');
  const foreign = await h.user('TENANT_ADMIN', h.otherTenant);
  const unknown = crypto.randomUUID();
  for (const user of [stranger, foreign]) {
    const answer = await summaries(user, { channelIds: [channel, unknown] });
    assert.deepEqual(answer.body.items, [
      { channelId: channel, lastMessage: null, unreadCount: 0 },
      { channelId: unknown, lastMessage: null, unreadCount: 0 },
    ]);
  }
});

it('refuses more than 200 ids, ids that are not UUIDs and unknown fields with 400', async () => {
  const ids = Array.from({ length: 201 }, () => crypto.randomUUID());
  for (const body of [{ channelIds: ids }, { channelIds: ['nope'] }, {}, { channelIds: [], userId: 'x' }]) {
    assert.equal((await summaries(customer, body)).status, 400);
  }
  assert.deepEqual((await summaries(customer, { channelIds: [] })).body, { items: [] });
  assert.equal((await summaries(customer, { channelIds: ids.slice(0, 200) })).status, 200);
  assert.equal((await h.call('POST', '/internal/channel-summaries', { body: { channelIds: [] } })).status, 401);
});
