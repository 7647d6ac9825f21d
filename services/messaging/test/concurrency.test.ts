import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Harness, type TestUser } from './support/harness.ts';

/**
 * Two service instances on one database, as two replicas would run: `seq` is handed out by the
 * channel's counter row, so whatever the interleaving it must come out exactly 1..n.
 */
let h: Harness;
let senders: TestUser[];

before(async () => {
  h = await Harness.start('messaging_concurrency', { instances: 2 });
  senders = [await h.user('PARTICIPANT'), await h.user('MANAGEMENT_TEAM'), await h.user('TENANT_ADMIN'), await h.user('PARTICIPANT')];
});
after(async () => {
  await h?.stop();
});

it('numbers hundreds of concurrent sends to one channel 1..n across two instances, and a raced clientMessageId yields one message', async () => {
  const channel = await h.channel({ participants: senders.filter((user) => user.role === 'PARTICIPANT').map((user) => user.userId) });
  const path = `/api/chat/channels/${channel.id}/messages`;
  const SENDS = 400;
  const RETRIES = 40;

  const sends = Array.from({ length: SENDS }, (_, index) => {
    const sender = senders[index % senders.length] as TestUser;
    return h.call('POST', path, { token: sender.token, body: { content: `message ${index}` }, instance: index % 2 });
  });
  // The same send retried many times at once, on both instances, in the middle of the burst:
  // the losers draw a seq, collide on the key, and must roll the seq back.
  const retrier = senders[0] as TestUser;
  const retries = Array.from({ length: RETRIES }, (_, index) =>
    h.call('POST', path, { token: retrier.token, body: { content: 'retried', clientMessageId: 'same-send' }, instance: index % 2 }),
  );
  const answers = await Promise.all([...sends, ...retries]);

  for (const answer of answers) assert.equal(answer.status, 201, JSON.stringify(answer.body));
  const retryIds = new Set(answers.slice(SENDS).map((answer) => answer.body.id));
  assert.equal(retryIds.size, 1, 'every retry answers the same message');
  assert.equal(await h.count('messages', 'channel_id = $1 AND client_message_id = $2', [channel.id, 'same-send']), 1);

  const total = SENDS + 1;
  const stored = await h.sql.query<{ seq: number }>('SELECT seq FROM messages WHERE channel_id = $1 ORDER BY seq', [channel.id]);
  assert.deepEqual(
    stored.rows.map((row) => row.seq),
    Array.from({ length: total }, (_, index) => index + 1),
    'seq is exactly 1..n: no gap, no repeat',
  );
  const answeredSeqs = new Set(answers.slice(0, SENDS).map((answer) => answer.body.seq as number));
  assert.equal(answeredSeqs.size, SENDS, 'every send answered its own seq');

  // A client catching up with afterSeq pages sees the same unbroken sequence.
  const seen: number[] = [];
  let cursor = '0';
  for (;;) {
    const page = await h.call('GET', `${path}?afterSeq=${cursor}&limit=200`, { token: retrier.token, instance: 1 });
    seen.push(...page.body.items.map((message: { seq: number }) => message.seq));
    if (page.body.nextCursor === null) break;
    cursor = page.body.nextCursor;
  }
  assert.deepEqual(seen, Array.from({ length: total }, (_, index) => index + 1));

  // One message.created per message, whichever instance wrote it.
  const created = await h.eventsOf('message.created', total, (event) => event.type === 'message.created' && event.data.message.channelId === channel.id);
  assert.equal(new Set(created.map((event) => (event.type === 'message.created' ? event.data.message.seq : 0))).size, total);
});

it('rolls back the seq a raced retry drew, so that the next message follows without a gap', async () => {
  const sender = senders[0] as TestUser;
  const channel = await h.channel({ participants: [sender.userId] });
  const path = `/api/chat/channels/${channel.id}/messages`;
  for (let round = 0; round < 5; round++) {
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        h.call('POST', path, { token: sender.token, body: { content: `round ${round}`, clientMessageId: `round-${round}` }, instance: index % 2 }),
      ),
    );
    assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([201]));
    assert.equal(new Set(answers.map((answer) => answer.body.id)).size, 1);
  }
  const last = await h.send(sender, channel.id, 'after the races');
  assert.equal(last.body.seq, 6);
  const rows = await h.sql.query<{ seq: number }>('SELECT seq FROM messages WHERE channel_id = $1 ORDER BY seq', [channel.id]);
  assert.deepEqual(rows.rows.map((row) => row.seq), [1, 2, 3, 4, 5, 6]);
});

it('keeps two channels numbered independently while both take concurrent sends', async () => {
  const participants = [senders[0]?.userId ?? ''];
  const [left, right] = [await h.channel({ participants }), await h.channel({ participants })];
  const sender = senders[0] as TestUser;
  await Promise.all(
    Array.from({ length: 100 }, (_, index) => h.send(sender, (index % 2 === 0 ? left : right).id, `m${index}`)),
  );
  for (const channel of [left, right]) {
    const rows = await h.sql.query<{ seq: number }>('SELECT seq FROM messages WHERE channel_id = $1 ORDER BY seq', [channel.id]);
    assert.deepEqual(rows.rows.map((row) => row.seq), Array.from({ length: 50 }, (_, index) => index + 1));
  }
});
