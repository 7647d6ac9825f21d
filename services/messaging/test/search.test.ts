import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { SearchHit } from '@chat/contracts';
import { Harness, type TestUser } from './support/harness.ts';

let h: Harness;
let customer: TestUser;
let agent: TestUser;
let mine: string;
let someoneElses: string;
let team: string;

before(async () => {
  h = await Harness.start('messaging_search');
  customer = await h.user('PARTICIPANT');
  agent = await h.user('MANAGEMENT_TEAM');
  const neighbour = await h.user('PARTICIPANT');
  const admin = await h.user('TENANT_ADMIN');
  mine = (await h.channel({ participants: [customer.userId] })).id;
  someoneElses = (await h.channel({ participants: [neighbour.userId] })).id;
  team = (await h.channel({ type: 'TEAM', participants: [admin.userId] })).id;
  await h.send(customer, mine, 'My refund has not arrived');
  await h.send(agent, mine, 'The refund was sent yesterday, refund reference 42');
  await h.send(customer, mine, 'Thanks for the update');
  await h.send(neighbour, someoneElses, 'Neighbour asks about a refund too');
  await h.send(admin, team, 'Team note: refund policy changes');
});
after(async () => {
  await h?.stop();
});

const search = (user: TestUser, query: string) => h.call('GET', `/api/chat/search?${query}`, { token: user.token });
const contentsOf = (body: { items: { content: string }[] }) => body.items.map((item) => item.content);

it('finds words in the channels the caller may read, best match first', async () => {
  const found = await search(customer, 'q=refund');
  assert.equal(found.status, 200);
  for (const item of found.body.items) SearchHit.parse(item);
  assert.deepEqual(contentsOf(found.body), ['The refund was sent yesterday, refund reference 42', 'My refund has not arrived']);
  assert.ok(found.body.items[0].rank >= found.body.items[1].rank);
  assert.equal(found.body.nextCursor, null);
  // Tenant staff search the whole queue of their tenant, but not TEAM channels they are not in.
  assert.deepEqual(contentsOf((await search(agent, 'q=refund')).body).sort(), [
    'My refund has not arrived',
    'Neighbour asks about a refund too',
    'The refund was sent yesterday, refund reference 42',
  ]);
  assert.deepEqual(contentsOf((await search(customer, 'q=%22refund%20reference%22')).body), ['The refund was sent yesterday, refund reference 42']);
  assert.deepEqual((await search(customer, 'q=nonexistentword')).body, { items: [], nextCursor: null });
});

it('searches one channel when asked, and answers 404 for a channel the caller may not read', async () => {
  assert.deepEqual(contentsOf((await search(agent, `q=refund&channelId=${someoneElses}`)).body), ['Neighbour asks about a refund too']);
  assert.equal((await search(customer, `q=refund&channelId=${someoneElses}`)).status, 404);
  assert.equal((await search(agent, `q=refund&channelId=${team}`)).status, 404);
  assert.equal((await search(customer, `q=refund&channelId=${crypto.randomUUID()}`)).status, 404);
});

it('pages through many hits with the cursor, each exactly once', async () => {
  const channel = (await h.channel({ participants: [customer.userId] })).id;
  for (let index = 0; index < 23; index++) await h.send(customer, channel, `pagination word ${'pagination '.repeat(index % 4)}${index}`);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `q=pagination&channelId=${channel}&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await search(customer, query);
    assert.equal(page.status, 200);
    seen.push(...page.body.items.map((item: { id: string }) => item.id));
    const ranks = page.body.items.map((item: { rank: number }) => item.rank);
    assert.deepEqual(ranks, [...ranks].sort((a, b) => b - a));
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor !== null);
  assert.equal(pages, 5);
  assert.equal(seen.length, 23);
  assert.equal(new Set(seen).size, 23);
});

it('leaves deleted messages out', async () => {
  const sent = await h.send(customer, mine, 'ephemeral zebra');
  assert.equal((await search(customer, 'q=zebra')).body.items.length, 1);
  await h.call('DELETE', `/api/chat/messages/${sent.body.id}`, { token: customer.token });
  assert.equal((await search(customer, 'q=zebra')).body.items.length, 0);
});

it('refuses bad queries with 400', async () => {
  // Cursors of the right shape whose rank no `real` holds: they must not reach the query.
  const cursorOf = (rank: number) => Buffer.from(JSON.stringify([rank, crypto.randomUUID()])).toString('base64url');
  for (const query of ['', 'q=', 'q=%20%20', `q=${'x'.repeat(257)}`, 'q=a&limit=101', 'q=a&limit=0', 'q=a&channelId=not-a-uuid']) {
    const answer = await search(customer, query);
    assert.equal(answer.status, 400, query);
    assert.equal(answer.body.error.code, 'VALIDATION_FAILED');
  }
  for (const query of ['q=a&cursor=garbage', `q=a&cursor=${cursorOf(1e39)}`, `q=a&cursor=${cursorOf(1e-50)}`]) {
    const answer = await search(customer, query);
    assert.equal(answer.status, 400, query);
    assert.equal(answer.body.error.code, 'INVALID_CURSOR');
  }
  assert.equal((await h.call('GET', '/api/chat/search?q=refund')).status, 401);
});
