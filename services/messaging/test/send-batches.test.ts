import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DatabaseUnavailableError, type Database } from '@chat/database';
import { SendBatches } from '../src/domain/send-batches.ts';
import { Harness, type TestUser } from './support/harness.ts';

/**
 * Sends that arrive together are written together; whatever a batch cannot settle goes alone.
 * A burst mixing every kind of send must answer each exactly as a send alone would.
 */
let h: Harness;
let members: TestUser[];
let stranger: TestUser;
let foreign: TestUser;

before(async () => {
  h = await Harness.start('messaging_batches');
  members = await Promise.all(Array.from({ length: 6 }, () => h.user('PARTICIPANT')));
  stranger = await h.user('PARTICIPANT');
  foreign = await h.user('PARTICIPANT', 'another-tenant');
});
after(async () => {
  await h?.stop();
});

async function batchesOfMoreThanOne(): Promise<number> {
  const text = await fetch(`${h.services[0]!.url}/metrics`).then((answer) => answer.text());
  const count = (bound: string) => Number(new RegExp(`^messaging_send_batch_size_bucket\\{[^}]*le="${bound.replace('+', '\\+')}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return count('+Inf') - count('1');
}

it('answers a burst of mixed sends one by one as if each went alone, with seq 1..n in every channel', async () => {
  const userIds = members.map((member) => member.userId);
  const channels = await Promise.all(Array.from({ length: 3 }, () => h.channel({ type: 'TOURNAMENT', participants: userIds })));
  const archived = await h.channel({ type: 'TOURNAMENT', status: 'ARCHIVED', participants: userIds });
  const foreignChannel = await h.channel({ type: 'TOURNAMENT', tenantId: 'another-tenant', participants: [foreign.userId] });
  const batchesBefore = await batchesOfMoreThanOne();

  type Expected = { status: number; code?: string; channelId?: string; key?: string };
  const calls: Array<{ answer: Promise<{ status: number; body: { id?: string; seq?: number; error?: { code: string } } }>; expected: Expected }> = [];
  const send = (user: TestUser, channelId: string, body: unknown, expected: Expected) =>
    calls.push({ answer: h.call('POST', `/api/chat/channels/${channelId}/messages`, { token: user.token, body }), expected });

  for (let round = 0; round < 40; round++) {
    const member = members[round % members.length]!;
    for (const channel of channels) send(member, channel.id, { content: `round ${round}` }, { status: 201, channelId: channel.id });
    if (round % 5 === 0) {
      send(member, channels[0]!.id, { content: 'keyed', clientMessageId: `key-${round}` }, { status: 201, channelId: channels[0]!.id, key: `key-${round}` });
      send(member, channels[0]!.id, { content: 'keyed', clientMessageId: `key-${round}` }, { status: 201, channelId: channels[0]!.id, key: `key-${round}` });
      send(member, archived.id, { content: 'too late' }, { status: 409, code: 'CHANNEL_ARCHIVED' });
      send(stranger, channels[1]!.id, { content: 'not a member' }, { status: 404, code: 'NOT_FOUND' });
      send(member, foreignChannel.id, { content: 'another tenant' }, { status: 404, code: 'NOT_FOUND' });
      send(member, channels[2]!.id, { content: '' }, { status: 400, code: 'VALIDATION_FAILED' });
    }
  }
  const answers = await Promise.all(calls.map((call) => call.answer));

  const idOfKey = new Map<string, string>();
  answers.forEach((answer, index) => {
    const { expected } = calls[index]!;
    assert.equal(answer.status, expected.status, JSON.stringify({ expected, body: answer.body }));
    if (expected.code) assert.equal(answer.body.error?.code, expected.code);
    if (expected.key) {
      const first = idOfKey.get(expected.key);
      if (first) assert.equal(answer.body.id, first, 'a key sent twice answers one message');
      else idOfKey.set(expected.key, answer.body.id!);
    }
  });
  for (const channel of channels) {
    const stored = await h.sql.query<{ seq: number }>('SELECT seq FROM messages WHERE channel_id = $1 ORDER BY seq', [channel.id]);
    const expected = channel === channels[0] ? 40 + 8 : 40;
    assert.deepEqual(stored.rows.map((row) => row.seq), Array.from({ length: expected }, (_, index) => index + 1), 'seq 1..n');
  }
  assert.equal(await h.count('messages', 'channel_id = ANY($1::uuid[])', [[archived.id, foreignChannel.id]]), 0);
  // Every message sent once on the bus, in its channel's order.
  const created = await h.eventsOf('message.created', 40 * 3 + 8, (event) => event.type === 'message.created' && channels.some((channel) => channel.id === event.data.message.channelId));
  for (const channel of channels) {
    const seqs = created.flatMap((event) => (event.type === 'message.created' && event.data.message.channelId === channel.id ? [event.data.message.seq] : []));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'events of a channel leave in seq order');
  }
  assert.ok((await batchesOfMoreThanOne()) > batchesBefore, 'some sends were written together');
});

it('fails the sends of a batch whose connection was lost (its COMMIT may have landed), and retries those of a batch that rolled back', async () => {
  const failing = (error: Error) => new SendBatches({ inTenant: () => Promise.reject(error) } as unknown as Database, { concurrency: 1 });
  const send = {
    principal: { userId: 'someone', tenantId: 'acme', role: 'PARTICIPANT' as const, name: null },
    channelId: crypto.randomUUID(),
    messageId: crypto.randomUUID(),
    body: { content: 'hello' },
  };
  const lost = new DatabaseUnavailableError('connection lost during COMMIT');
  await assert.rejects(failing(lost).send(send), lost, 'not written again, where it might exist already');
  assert.equal(await failing(new Error('deadlock past its retries')).send(send), undefined, 'left to the one-by-one path');
});
