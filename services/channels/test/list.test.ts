/**
 * The list: keyset pages in a stable order (last activity, then id), filters, activity moved by
 * messages, and a plan that stays index-backed with 10,000 channels in a tenant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Principal } from '@chat/contracts';
import { pageQuery } from '../src/store/list-query.ts';
import { messageCreated } from './fixtures.ts';
import { createBody, startChannels, superAdmin, tenantCast, userOf, type Answer, type ChannelsUnderTest, type TestUser } from './harness.ts';
import { explainAnalyze, waitFor, type PlanNode } from '@chat/test-kit';

const principalOf = (user: TestUser): Principal => ({ userId: user.userId, tenantId: user.tenantId, role: user.role, name: null });

describe('channel list', () => {
  let system: ChannelsUnderTest;
  before(async () => {
    system = await startChannels({ prefix: 'channels_list' });
  });
  after(async () => {
    await system?.stop();
  });

  async function allPages(user: TestUser, query = '', limit = 200): Promise<{ id: string; lastActivityAt: string; type: string; status: string }[]> {
    const items = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await system.as(user).get(`/api/chat/channels?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return items;
  }

  it('pages through every visible channel once, newest activity first, with filters', async () => {
    const cast = tenantCast();
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) {
      const created = await system.as(cast.admin).post('/api/chat/channels', createBody(index % 2 === 0 ? 'TOURNAMENT' : 'TEAM'));
      ids.push(created.body.id);
    }
    const pages = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await system.as(cast.admin).get(`/api/chat/channels?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(pages.map((page) => page.length), [3, 3, 1]);
    assert.deepEqual(pages.flat(), [...ids].reverse());

    const tournaments = await allPages(cast.admin, '&type=TOURNAMENT', 2);
    assert.deepEqual(tournaments.map((item) => item.id), [ids[6], ids[4], ids[2], ids[0]]);
    assert.equal((await system.as(cast.admin).delete(`/api/chat/channels/${ids[2]}`)).status, 200);
    const archived = await allPages(cast.admin, '&status=ARCHIVED');
    assert.deepEqual(archived.map((item) => item.id), [ids[2]]);
    // The archive was the latest change: that channel now leads the list.
    assert.equal((await allPages(cast.admin))[0]?.id, ids[2]);
  });

  it('moves a channel up on a new message, never back on a late one', async () => {
    const cast = tenantCast();
    const first = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
    const second = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
    const order = async () => (await allPages(cast.customer)).map((item) => item.id);
    assert.deepEqual(await order(), [second.body.id, first.body.id]);

    await system.bus.publish([messageCreated(cast.tenantId, first.body.id, { senderId: cast.customer.userId })]);
    await waitFor(async () => (await order())[0] === first.body.id, { what: 'the message to move the channel up' });
    const moved = (await allPages(cast.customer))[0]?.lastActivityAt;

    await system.bus.publish([messageCreated(cast.tenantId, first.body.id, { createdAt: new Date(Date.now() - 3_600_000).toISOString() })]);
    await system.bus.publish([messageCreated(cast.tenantId, second.body.id, { createdAt: new Date(Date.now() - 3_600_000).toISOString() })]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await allPages(cast.customer);
    assert.deepEqual(after.map((item) => item.id), [first.body.id, second.body.id]);
    assert.equal(after[0]?.lastActivityAt, moved);
  });

  describe('with 10,000 channels in a tenant', () => {
    const tenant = `bulk-${crypto.randomUUID().slice(0, 8)}`;
    const staff = userOf(tenant, 'MANAGEMENT_TEAM', 'bulk-staff');
    const customer = userOf(tenant, 'PARTICIPANT', 'bulk-customer');
    const platform = superAdmin();
    let owner: pg.Client;

    before(async () => {
      // One statement: 10,000 channels (every third a TEAM one, every 50th escalated, activity a
      // second apart), the staff member in every tenth, the customer in every hundredth (a third
      // of those TEAM channels, which it never sees).
      await system.service.context.db.inTenant(tenant, (tx) =>
        tx.execute(
          `WITH made AS (
             INSERT INTO channels (id, tenant_id, type, status, created_by, last_activity_at)
             SELECT gen_random_uuid(), $1,
                    (ARRAY['SUPPORT', 'TOURNAMENT', 'TEAM'])[1 + i % 3],
                    CASE WHEN i % 50 = 0 THEN 'ESCALATED' ELSE 'ACTIVE' END,
                    'bulk-creator', now() - i * interval '1 second'
               FROM generate_series(1, 10000) AS i
             RETURNING id, last_activity_at
           ), numbered AS (
             SELECT id, row_number() OVER (ORDER BY last_activity_at DESC) AS n FROM made
           )
           INSERT INTO participants (channel_id, tenant_id, user_id)
           SELECT id, $1, $2 FROM numbered WHERE n % 10 = 0
           UNION ALL
           SELECT id, $1, $3 FROM numbered WHERE n % 100 = 0`,
          [tenant, staff.userId, customer.userId],
        ),
      );
      owner = new pg.Client({ connectionString: system.database.url });
      await owner.connect();
      await owner.query('ANALYZE channels; ANALYZE participants');
    });
    after(async () => {
      await owner?.end();
    });

    async function plan(viewer: TestUser, filters: { type?: 'TEAM'; status?: 'ESCALATED' } = {}, withCursor = false): Promise<PlanNode[]> {
      const db = system.service.context.db;
      const principal = principalOf(viewer);
      const after = withCursor ? { activityAt: new Date(Date.now() - 5_000_000).toISOString().replace('Z', '000Z'), id: crypto.randomUUID() } : null;
      // As the service asks: platform staff across tenants, everyone else in their tenant.
      return explainAnalyze((sql, params) => db.inReachOf(principal, (tx) => tx.query(sql, params)), pageQuery(principal, filters, after, 50));
    }

    function assertIndexBacked(nodes: PlanNode[], ...indexes: string[]) {
      const channelScans = nodes.filter((node) => node['Relation Name'] === 'channels');
      assert.ok(channelScans.length > 0);
      assert.ok(!channelScans.some((node) => node['Node Type'] === 'Seq Scan'), 'no sequential scan of channels');
      assert.ok(
        channelScans.some((node) => indexes.includes(node['Index Name'] ?? '')),
        `uses ${indexes.join(' or ')}: ${channelScans.map((node) => `${node['Node Type']} ${node['Index Name'] ?? ''}`).join('; ')}`,
      );
      assert.ok(!nodes.some((node) => node['Node Type'] === 'Sort'), 'the index gives the order: no sort');
      // A page reads about a page of rows, not the tenant's 10,000.
      const read = channelScans.reduce((sum, node) => sum + (node['Actual Rows'] ?? 0), 0);
      assert.ok(read < 500, `read ${read} channel rows for a page of 50`);
    }

    it('answers staff from the activity index, without a sort, with and without a cursor', async () => {
      assertIndexBacked(await plan(staff), 'channels_tenant_activity');
      assertIndexBacked(await plan(staff, {}, true), 'channels_tenant_activity');
      // Escalated ones are also in the platform's partial index, which the planner may prefer.
      assertIndexBacked(await plan(staff, { status: 'ESCALATED' }), 'channels_tenant_activity', 'channels_platform_activity');
    });

    it('answers a type filter from the type index', async () => {
      assertIndexBacked(await plan(staff, { type: 'TEAM' }), 'channels_tenant_type_activity');
    });

    it('answers a participant from its memberships, by id, never scanning the tenant', async () => {
      const nodes = await plan(customer);
      const described = nodes.map((node) => `${node['Node Type']} ${node['Relation Name'] ?? ''} ${node['Index Name'] ?? ''} (${node['Actual Rows']})`).join('; ');
      assert.ok(!nodes.some((node) => node['Node Type'] === 'Seq Scan'), described);
      assert.ok(nodes.some((node) => node['Index Name'] === 'participants_user'), described);
      assert.ok(nodes.some((node) => node['Index Name'] === 'channels_pkey'), described);
    });

    it('answers platform staff from the platform index', async () => {
      const nodes = await plan(platform);
      assert.ok(nodes.some((node) => node['Index Name'] === 'channels_platform_activity'));
      assert.ok(!nodes.some((node) => node['Relation Name'] === 'channels' && node['Node Type'] === 'Seq Scan'));
    });

    it('pages through all of them correctly: each visible channel once, in order', async () => {
      const seen = await allPages(staff);
      // SUPPORT and TOURNAMENT (two thirds, the queue) plus the TEAM channels the staff member is in.
      const { rows } = await owner.query(
        `SELECT count(*)::int AS n FROM channels c WHERE c.tenant_id = $1
            AND (c.type <> 'TEAM' OR EXISTS (SELECT 1 FROM participants p WHERE p.channel_id = c.id AND p.user_id = $2))`,
        [tenant, staff.userId],
      );
      assert.equal(seen.length, rows[0].n);
      assert.equal(new Set(seen.map((item) => item.id)).size, seen.length);
      for (let index = 1; index < seen.length; index++) {
        const previous = seen[index - 1]!;
        const current = seen[index]!;
        assert.ok(previous.lastActivityAt >= current.lastActivityAt, `ordered at ${index}`);
      }
      const mine = await allPages(customer);
      const memberships = await owner.query(
        `SELECT count(*) FILTER (WHERE c.type <> 'TEAM')::int AS visible, count(*)::int AS total
           FROM participants p JOIN channels c ON c.id = p.channel_id WHERE p.user_id = $1`,
        [customer.userId],
      );
      assert.equal(memberships.rows[0].total, 100);
      assert.equal(mine.length, memberships.rows[0].visible);
      assert.ok(mine.length < 100 && mine.every((item) => item.type !== 'TEAM'));
    });
  });
});
