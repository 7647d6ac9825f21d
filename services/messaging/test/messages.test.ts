import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Message } from '@chat/contracts';
import { Harness, type TestUser } from './support/harness.ts';

let h: Harness;
let customer: TestUser;
let agent: TestUser;

before(async () => {
  h = await Harness.start('messaging_messages', { rabbit: true });
  customer = await h.user('PARTICIPANT');
  agent = await h.user('MANAGEMENT_TEAM');
});
after(async () => {
  await h?.stop();
});

const history = (user: TestUser, channelId: string, query = '') => h.call('GET', `/api/chat/channels/${channelId}/messages${query}`, { token: user.token });
const seqsOf = (body: { items: { seq: number }[] }) => body.items.map((message) => message.seq);

describe('sending', () => {
  it('answers 201 with the message, numbered from 1, typed by the sender role, and publishes message.created', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    const first = await h.send(customer, channel.id, 'hello', { metadata: { locale: 'en' } });
    assert.equal(first.status, 201);
    const message = Message.parse(first.body);
    assert.equal(message.seq, 1);
    assert.equal(message.senderType, 'PARTICIPANT');
    assert.equal(message.senderId, customer.userId);
    assert.equal(message.tenantId, h.tenant);
    assert.deepEqual(message.metadata, { locale: 'en' });
    assert.equal(message.editedAt, null);

    // Tenant staff see every SUPPORT channel of their tenant and may answer in it.
    const reply = await h.send(agent, channel.id, 'hi, how can I help?');
    assert.equal(reply.status, 201);
    assert.equal(reply.body.seq, 2);
    assert.equal(reply.body.senderType, 'MANAGEMENT_TEAM');

    const [created] = await h.eventsOf('message.created', 1, (event) => event.type === 'message.created' && event.data.message.id === message.id);
    assert.equal(created?.tenantId, h.tenant);
    assert.deepEqual(created?.actor, { userId: customer.userId, role: 'PARTICIPANT' });
  });

  it('moves the sender read mark up to its own message', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    await h.send(agent, channel.id, 'one');
    await h.send(agent, channel.id, 'two');
    const summary = () => h.call('POST', '/internal/channel-summaries', { token: customer.token, body: { channelIds: [channel.id] } });
    assert.equal((await summary()).body.items[0].unreadCount, 2);
    await h.send(customer, channel.id, 'three');
    assert.equal((await summary()).body.items[0].unreadCount, 0);
    const marks = await h.sql.query('SELECT seq FROM read_marks WHERE channel_id = $1 AND user_id = $2', [channel.id, customer.userId]);
    assert.equal(marks.rows[0]?.seq, 3);
  });

  it('returns the first message for a repeated clientMessageId, with 201 and Idempotent-Replayed', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    const first = await h.send(customer, channel.id, 'once', { clientMessageId: 'c-1' });
    const again = await h.send(customer, channel.id, 'once, retried', { clientMessageId: 'c-1' });
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.deepEqual(again.body, first.body);
    const next = await h.send(customer, channel.id, 'next');
    assert.equal(next.body.seq, 2, 'a replay takes no seq');
    assert.equal(await h.count('messages', 'channel_id = $1', [channel.id]), 2);

    // The key belongs to its sender: someone else's identical key is a new message.
    const other = await h.send(agent, channel.id, 'mine', { clientMessageId: 'c-1' });
    assert.equal(other.body.seq, 3);
    // A key already used in another channel is a conflict, not a message from elsewhere.
    const elsewhere = await h.channel({ participants: [customer.userId] });
    const reused = await h.send(customer, elsewhere.id, 'once', { clientMessageId: 'c-1' });
    assert.equal(reused.status, 409);
    assert.equal(reused.body.error.code, 'CLIENT_MESSAGE_ID_REUSED');
  });

  it('refuses bad input with 400 (or 413) and changes nothing', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    await h.send(customer, channel.id, 'before');
    const bad: unknown[] = [
      {},
      { content: '' },
      { content: 'x'.repeat(10_001) },
      { content: 42 },
      { content: 'hi', tenantId: 'other' },
      { content: 'hi', clientMessageId: '' },
      { content: 'hi', metadata: 'not an object' },
    ];
    for (const body of bad) {
      const answer = await h.call('POST', `/api/chat/channels/${channel.id}/messages`, { token: customer.token, body });
      assert.equal(answer.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(answer.body.error.code, 'VALIDATION_FAILED');
      assert.ok(Array.isArray(answer.body.error.details));
    }
    const malformed = await h.call('POST', `/api/chat/channels/${channel.id}/messages`, { token: customer.token, rawBody: '{"content":' });
    assert.equal(malformed.status, 400);
    const huge = await h.call('POST', `/api/chat/channels/${channel.id}/messages`, { token: customer.token, body: { content: 'x'.repeat(200_000) } });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'PAYLOAD_TOO_LARGE');

    assert.equal(await h.count('messages', 'channel_id = $1', [channel.id]), 1);
    const after = await h.send(customer, channel.id, 'after');
    assert.equal(after.body.seq, 2, 'no refused send took a seq');
    assert.equal((await h.send(customer, channel.id, 'x'.repeat(10_000))).status, 201);
  });

  it('answers 401 without a token and 404 for a channel id that is not a UUID', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    assert.equal((await h.call('POST', `/api/chat/channels/${channel.id}/messages`, { body: { content: 'x' } })).status, 401);
    assert.equal((await h.send(customer, 'not-a-uuid', 'x')).status, 404);
  });

  it('answers 409 in an archived channel, after the visibility and body checks', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    const sent = await h.send(customer, channel.id, 'before the archive', { clientMessageId: 'before-archive' });
    await h.publishChannelEvent('channel.archived', { channel: { ...channel, status: 'ARCHIVED', revision: 2 } });
    const refused = await h.send(customer, channel.id, 'too late');
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'CHANNEL_ARCHIVED');
    assert.equal((await h.send(customer, channel.id, '')).status, 400);
    // A retry of a send that made it before the archive still answers its message.
    const retried = await h.send(customer, channel.id, 'before the archive', { clientMessageId: 'before-archive' });
    assert.equal(retried.status, 201);
    assert.equal(retried.body.id, sent.body.id);
    // History stays readable.
    assert.equal((await history(customer, channel.id)).status, 200);
  });

  it('lets a participant send into a resolved channel (channels reopens it)', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    await h.publishChannelEvent('channel.resolved', { channel: { ...channel, status: 'RESOLVED', revision: 2 }, resolution: null });
    assert.equal((await h.send(customer, channel.id, 'one more thing')).status, 201);
  });

  it('keeps a PARTICIPANT out of channels it is not part of, and staff out of TEAM channels they are not in', async () => {
    const stranger = await h.user('PARTICIPANT');
    const support = await h.channel({ participants: [customer.userId] });
    assert.equal((await h.send(stranger, support.id, 'let me in')).status, 404);
    assert.equal((await history(stranger, support.id)).status, 404);
    const team = await h.channel({ type: 'TEAM', participants: [agent.userId] });
    const otherAgent = await h.user('TENANT_ADMIN');
    assert.equal((await h.send(agent, team.id, 'team talk')).status, 201);
    assert.equal((await h.send(otherAgent, team.id, 'hello?')).status, 404);
    assert.equal((await h.send(customer, team.id, 'hello?')).status, 404);
  });
});

describe('history', () => {
  let channelId: string;
  before(async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    channelId = channel.id;
    for (let index = 1; index <= 25; index++) await h.send(customer, channelId, `message ${index}`);
  });

  it('answers the latest page oldest first, with a cursor for older pages', async () => {
    const latest = await history(customer, channelId, '?limit=10');
    assert.equal(latest.status, 200);
    assert.deepEqual(seqsOf(latest.body), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    assert.equal(latest.body.nextCursor, '16');
    const older = await history(customer, channelId, `?limit=10&before=${latest.body.nextCursor}`);
    assert.deepEqual(seqsOf(older.body), [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const oldest = await history(customer, channelId, `?limit=10&before=${older.body.nextCursor}`);
    assert.deepEqual(seqsOf(oldest.body), [1, 2, 3, 4, 5]);
    assert.equal(oldest.body.nextCursor, null);
  });

  it('pages forward from afterSeq with nextCursor to continue, and null once caught up', async () => {
    const first = await history(customer, channelId, '?afterSeq=0&limit=20');
    assert.deepEqual(seqsOf(first.body), Array.from({ length: 20 }, (_, index) => index + 1));
    assert.equal(first.body.nextCursor, '20');
    const rest = await history(customer, channelId, `?afterSeq=${first.body.nextCursor}&limit=20`);
    assert.deepEqual(seqsOf(rest.body), [21, 22, 23, 24, 25]);
    assert.equal(rest.body.nextCursor, null);
    const between = await history(customer, channelId, '?afterSeq=3&before=7');
    assert.deepEqual(seqsOf(between.body), [4, 5, 6]);
    const caughtUp = await history(customer, channelId, '?afterSeq=25');
    assert.deepEqual(caughtUp.body, { items: [], nextCursor: null });
  });

  it('defaults to 50 and refuses a limit above 200 or a malformed seq with 400', async () => {
    assert.equal((await history(customer, channelId)).body.items.length, 25);
    for (const query of ['?limit=201', '?limit=0', '?afterSeq=-1', '?before=abc', '?before=0', '?limit=1.5', '?afterSeq=3000000000', '?before=1e12']) {
      const answer = await history(customer, channelId, query);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.error.code, 'VALIDATION_FAILED');
    }
    assert.equal((await history(customer, channelId, '?limit=200')).status, 200);
  });
});

describe('read marks', () => {
  it('moves up only, never past the last message, answers the stored mark and publishes message.read when it moves', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    for (let index = 0; index < 5; index++) await h.send(agent, channel.id, `m${index}`);
    const read = (seq: unknown) => h.call('POST', `/api/chat/channels/${channel.id}/read`, { token: customer.token, body: { seq } });

    const first = await read(3);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { channelId: channel.id, userId: customer.userId, seq: 3 });
    assert.deepEqual((await read(1)).body.seq, 3, 'a lower seq leaves the mark where it is');
    assert.deepEqual((await read(99)).body.seq, 5, 'the mark stops at the last message');

    const events = await h.eventsOf('message.read', 2, (event) => event.type === 'message.read' && event.data.channelId === channel.id);
    assert.deepEqual(events.map((event) => (event.type === 'message.read' ? event.data.seq : -1)), [3, 5]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(h.published.filter((event) => event.type === 'message.read' && event.data.channelId === channel.id).length, 2);

    const summaries = await h.call('POST', '/internal/channel-summaries', { token: customer.token, body: { channelIds: [channel.id] } });
    assert.equal(summaries.body.items[0].unreadCount, 0);
  });

  it('answers 0 for a fresh mark, and 400 for a bad seq without changing it', async () => {
    const channel = await h.channel({ participants: [customer.userId] });
    await h.send(agent, channel.id, 'm');
    const read = (body: unknown) => h.call('POST', `/api/chat/channels/${channel.id}/read`, { token: customer.token, body });
    assert.equal((await read({ seq: 0 })).body.seq, 0);
    for (const body of [{}, { seq: -1 }, { seq: 1.5 }, { seq: '1' }, { seq: 1, userId: 'x' }, { seq: 3_000_000_000 }]) {
      assert.equal((await read(body)).status, 400, JSON.stringify(body));
    }
    assert.equal(await h.count('read_marks', 'channel_id = $1 AND user_id = $2', [channel.id, customer.userId]), 0);
  });
});
