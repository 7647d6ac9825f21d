import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Message, Page } from '@chat/contracts';
import { ChannelFeed, ChatError, type FeedSource } from '../src/index.ts';

const CHANNEL = '0b6f0d5e-8a51-4a36-9c53-0e3b55f0f9a1';

function message(seq: number): Message {
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    channelId: CHANNEL,
    tenantId: 't',
    seq,
    senderId: 'u',
    senderType: 'PARTICIPANT',
    content: `m${seq}`,
    metadata: null,
    createdAt: new Date(0).toISOString(),
    editedAt: null,
    deletedAt: null,
  };
}

/** History as the messaging service keeps it: everything stored, paged `afterSeq`. */
class History implements FeedSource {
  stored: Message[] = [];
  calls: number[] = [];
  failNext: unknown[] = [];

  add(count: number): Message[] {
    const added = Array.from({ length: count }, (_, index) => message(this.stored.length + index + 1));
    this.stored.push(...added);
    return added;
  }

  async after(afterSeq: number, limit: number): Promise<Page<Message>> {
    this.calls.push(afterSeq);
    await Promise.resolve();
    const failure = this.failNext.shift();
    if (failure) throw failure;
    const items = this.stored.filter((stored) => stored.seq > afterSeq).slice(0, limit);
    const more = this.stored.some((stored) => stored.seq > (items.at(-1)?.seq ?? afterSeq));
    return { items, nextCursor: more ? String(items.at(-1)!.seq) : null };
  }

  async newest(): Promise<Message | undefined> {
    return this.stored.at(-1);
  }
}

function feedOver(history: History, afterSeq?: number, options: { pageSize?: number } = {}) {
  const delivered: number[] = [];
  const failures: unknown[] = [];
  const feed = new ChannelFeed(
    {
      source: history,
      deliver: (delivery) => delivered.push(delivery.seq),
      fail: (error) => failures.push(error),
      retryable: (error) => !(error instanceof ChatError && error.status === 404),
      retryDelayMs: 5,
      ...options,
    },
    afterSeq,
  );
  return { feed, delivered, failures };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

async function until(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('ChannelFeed', () => {
  test('live messages in order go straight through; repeats are dropped', async () => {
    const history = new History();
    const { feed, delivered } = feedOver(history, 0);
    for (const live of history.add(3)) feed.offer(live);
    feed.offer(history.stored[1]!);
    feed.offer(history.stored[0]!);
    await settle();
    assert.deepEqual(delivered, [1, 2, 3]);
    assert.deepEqual(history.calls, [], 'no gap, no fetch');
  });

  test('a gap is fetched, and what was held is handed on after it', async () => {
    const history = new History();
    const { feed, delivered } = feedOver(history, 0);
    history.add(5);
    feed.offer(history.stored[0]!);
    feed.offer(history.stored[3]!); // 2 and 3 were lost on the way
    feed.offer(history.stored[4]!);
    await until(() => delivered.length === 5);
    assert.deepEqual(delivered, [1, 2, 3, 4, 5]);
    feed.offer(history.stored[3]!);
    await settle();
    assert.deepEqual(delivered, [1, 2, 3, 4, 5]);
  });

  test('a catch-up (reconnect, resync) fetches everything after the last seq, across pages', async () => {
    const history = new History();
    const { feed, delivered } = feedOver(history, 2, { pageSize: 3 });
    history.add(10);
    await feed.catchUp();
    assert.deepEqual(delivered, [3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(history.calls, [2, 5, 8]);
    assert.equal(feed.lastSeq, 10);
  });

  test('without a starting point the feed begins after the newest message', async () => {
    const history = new History();
    history.add(4);
    const { feed, delivered } = feedOver(history);
    await feed.catchUp();
    assert.deepEqual(delivered, []);
    for (const live of history.add(2)) feed.offer(live);
    await until(() => delivered.length === 2);
    assert.deepEqual(delivered, [5, 6]);
  });

  test('a failed fetch is tried again; a refusal stops the feed and is reported', async () => {
    const history = new History();
    const { feed, delivered, failures } = feedOver(history, 0);
    history.add(3);
    history.failNext.push(new ChatError(0, 'NETWORK_ERROR', 'down'), new ChatError(503, 'SERVICE_UNAVAILABLE', 'busy'));
    await feed.catchUp();
    await until(() => delivered.length === 3);
    assert.deepEqual(delivered, [1, 2, 3]);

    history.add(1);
    history.failNext.push(new ChatError(404, 'NOT_FOUND', 'gone'));
    await feed.catchUp();
    assert.equal(failures.length, 1);
    feed.offer(history.stored[3]!);
    await settle();
    assert.deepEqual(delivered, [1, 2, 3], 'a stopped feed hands on nothing');
  });

  test('a hole that history does not show yet is looked for again', async () => {
    const history = new History();
    const { feed, delivered } = feedOver(history, 0);
    const [first, second, third] = history.add(3);
    // 2 was numbered before 3 but is committed after it.
    history.stored = [first!, third!];
    feed.offer(first!);
    feed.offer(third!);
    await settle();
    assert.deepEqual(delivered, [1]);
    history.stored = [first!, second!, third!];
    await until(() => delivered.length === 3);
    assert.deepEqual(delivered, [1, 2, 3]);
  });

  test('property: whatever is lost, repeated or reordered live, the app gets 1..n once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.nat({ max: 59 }), { maxLength: 150 }),
        fc.array(fc.nat({ max: 150 }), { maxLength: 4 }),
        async (count, liveOrder, catchUpsAt) => {
          const history = new History();
          const { feed, delivered } = feedOver(history, 0, { pageSize: 7 });
          history.add(count);
          const pending: Promise<void>[] = [];
          liveOrder.forEach((index, position) => {
            if (index < count) feed.offer(history.stored[index]!);
            if (catchUpsAt.includes(position)) pending.push(feed.catchUp());
          });
          pending.push(feed.catchUp()); // the reconnect at the end
          await Promise.all(pending);
          await until(() => delivered.length === count);
          feed.stop();
          assert.deepEqual(delivered, Array.from({ length: count }, (_, index) => index + 1));
        },
      ),
      { numRuns: 60 },
    );
  });
});
