import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { explainAnalyze, type PlanNode, type Statement } from '@chat/test-kit';
import { historyQuery, type HistoryPage } from '../src/store/messages.ts';
import { searchQuery } from '../src/store/search.ts';
import { Harness, type TestUser } from './support/harness.ts';

/**
 * History stays an index range scan however long the channel: with a million messages in one
 * channel, every page shape reads the (channel_id, seq) index for about `limit` rows, with no
 * sort and no sequential scan, under row-level security as the service runs it.
 */
const MESSAGES = 1_000_000;
let h: Harness;
let reader: TestUser;
let channelId: string;

before(async () => {
  h = await Harness.start('messaging_plan');
  reader = await h.user('PARTICIPANT');
  channelId = (await h.channel({ participants: [reader.userId] })).id;
  const neighbour = (await h.channel({ participants: [reader.userId] })).id;
  await h.sql.query(
    `INSERT INTO messages (id, tenant_id, channel_id, seq, sender_id, sender_type, content)
     SELECT gen_random_uuid(), $1, $2, g, 'bulk', 'PARTICIPANT', 'bulk message ' || g FROM generate_series(1, $3::int) g`,
    [h.tenant, channelId, MESSAGES],
  );
  await h.sql.query(
    `INSERT INTO messages (id, tenant_id, channel_id, seq, sender_id, sender_type, content)
     SELECT gen_random_uuid(), $1, $2, g, 'bulk', 'PARTICIPANT', 'neighbour ' || g FROM generate_series(1, 1000) g`,
    [h.tenant, neighbour],
  );
  await h.sql.query(
    `INSERT INTO channel_sequences (tenant_id, channel_id, stream, last_value) VALUES ($1, $2, 'message', $3), ($1, $4, 'message', 1000)`,
    [h.tenant, channelId, MESSAGES, neighbour],
  );
  await h.sql.query('ANALYZE messages');
});
after(async () => {
  await h?.stop();
});

/** EXPLAIN ANALYZE of one of the service's own queries, as `chat_app` in the tenant's scope. */
async function planOf(statement: Statement): Promise<PlanNode[]> {
  const client = await h.sql.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('role', 'chat_app', true), set_config('app.tenant_id', $1, true)`, [h.tenant]);
    return await explainAnalyze(async (sql, params) => (await client.query(sql, params)).rows, statement);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

const PAGES: [string, HistoryPage][] = [
  ['the latest page', { limit: 50 }],
  ['a page before a seq deep in the middle', { before: 500_000, limit: 200 }],
  ['a page after a seq deep in the middle', { afterSeq: 500_000, limit: 200 }],
  ['the first page', { afterSeq: 0, limit: 200 }],
  ['a bounded range', { afterSeq: 10, before: 100, limit: 200 }],
];

for (const [what, page] of PAGES) {
  it(`reads ${what} from the (channel_id, seq) index`, async () => {
    const nodes = await planOf(historyQuery(channelId, page));
    const types = nodes.map((node) => node['Node Type']);
    assert.ok(!types.includes('Seq Scan'), `no sequential scan: ${types.join(' > ')}`);
    assert.ok(!types.includes('Sort'), `no sort: ${types.join(' > ')}`);
    const scan = nodes.find((node) => node['Node Type'] === 'Index Scan');
    assert.equal(scan?.['Index Name'], 'messages_channel_seq');
    assert.ok((scan?.['Actual Rows'] ?? Infinity) <= page.limit + 1, `read ${scan?.['Actual Rows']} rows for a page of ${page.limit}`);
  });
}

it('finds a rare word among a million messages through the GIN index on the tsvector', async (t) => {
  const [role] = (await h.sql.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows;
  if (!role?.rolsuper) {
    t.skip('the test database role is not a superuser, so the migration could not mark ts_match_vq LEAKPROOF');
    return;
  }
  await h.send(reader, channelId, 'the needle in the haystack');
  const nodes = await planOf(searchQuery('needle', [channelId], 20, null));
  const types = nodes.map((node) => node['Node Type']);
  assert.ok(!types.includes('Seq Scan'), `no sequential scan: ${types.join(' > ')}`);
  assert.ok(nodes.some((node) => node['Index Name'] === 'messages_search'), `uses messages_search: ${types.join(' > ')}`);
  const found = await h.call('GET', `/api/chat/search?q=needle&channelId=${channelId}`, { token: reader.token });
  assert.deepEqual(found.body.items.map((item: { content: string }) => item.content), ['the needle in the haystack']);
});

it('serves a page deep in a million-message channel through the API', async () => {
  const answer = await h.call('GET', `/api/chat/channels/${channelId}/messages?afterSeq=999900&limit=200`, { token: reader.token });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.items.length, 101);
  assert.equal(answer.body.items[0].seq, 999_901);
  assert.equal(answer.body.nextCursor, null);
  const sent = await h.send(reader, channelId, 'one more');
  assert.equal(sent.body.seq, MESSAGES + 2);
});
