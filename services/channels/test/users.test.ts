/**
 * The users seen: every caller remembered per tenant from its token (written when new or changed,
 * not on every request), listed to staff for pickers, never across tenants.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { SeenUserRegistry } from '../src/domain/seen-user-registry.ts';
import { createBody, startChannels, superAdmin, tenantCast, userOf, type ChannelsUnderTest, type TestUser } from './harness.ts';

interface Listed {
  userId: string;
  role: string;
  name: string | null;
  lastSeenAt: string;
}

describe('users seen', () => {
  let system: ChannelsUnderTest;
  let owner: pg.Client;
  before(async () => {
    system = await startChannels({ prefix: 'channels_users' });
    owner = new pg.Client({ connectionString: system.database.url });
    await owner.connect();
  });
  after(async () => {
    await owner?.end();
    await system?.stop();
  });

  async function seen(...users: TestUser[]) {
    for (const user of users) assert.equal((await system.as(user).get('/api/chat/channels')).status, 200);
  }

  async function stored(user: TestUser) {
    const { rows } = await owner.query('SELECT role, name, last_seen_at FROM seen_users WHERE tenant_id = $1 AND user_id = $2', [user.tenantId, user.userId]);
    return rows[0] as { role: string; name: string | null; last_seen_at: Date } | undefined;
  }

  async function listed(viewer: TestUser, query = ''): Promise<Listed[]> {
    const answer = await system.as(viewer).get(`/api/chat/users${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.items;
  }

  it('remembers a caller once, and again only when its role or name changes', async () => {
    const cast = tenantCast();
    await seen(cast.manager);
    const first = await stored(cast.manager);
    assert.equal(first?.role, 'MANAGEMENT_TEAM');
    assert.equal(first?.name, cast.manager.name);
    await seen(cast.manager, cast.manager, cast.manager);
    assert.deepEqual(await stored(cast.manager), first, 'no write for a caller seen unchanged');

    await seen({ ...cast.manager, role: 'TENANT_ADMIN' });
    assert.equal((await stored(cast.manager))?.role, 'TENANT_ADMIN');
    await seen({ ...cast.manager, role: 'TENANT_ADMIN', name: 'Renamed' });
    assert.equal((await stored(cast.manager))?.name, 'Renamed');
    const { name: _name, ...withoutName } = { ...cast.manager, role: 'TENANT_ADMIN' as const };
    await seen(withoutName);
    assert.equal((await stored(cast.manager))?.name, 'Renamed', 'a token without a name keeps the name seen before');
  });

  it('writes again after the refresh interval, so lastSeenAt stays roughly true', async () => {
    const cast = tenantCast();
    let now = 1_000_000;
    const registry = new SeenUserRegistry(system.service.context.db, { refreshMs: 60_000, now: () => now });
    const principal = { userId: cast.admin.userId, tenantId: cast.tenantId, role: cast.admin.role, name: 'Ada' };
    await registry.record(principal);
    const first = await stored(cast.admin);
    now += 30_000;
    await registry.record(principal);
    assert.deepEqual(await stored(cast.admin), first);
    now += 31_000;
    await registry.record(principal);
    assert.ok((await stored(cast.admin))!.last_seen_at > first!.last_seen_at);
  });

  it('writes a burst of first requests once, and nothing for the requests after', async () => {
    const cast = tenantCast();
    const db = system.service.context.db;
    let writes = 0;
    const counting = { ...db, inTenant: ((tenantId, fn) => (writes++, db.inTenant(tenantId, fn))) as typeof db.inTenant };
    const registry = new SeenUserRegistry(counting);
    const principal = { userId: cast.admin.userId, tenantId: cast.tenantId, role: cast.admin.role, name: null };
    await Promise.all(Array.from({ length: 10 }, () => registry.record(principal)));
    assert.equal(writes, 1);
    for (let index = 0; index < 10; index++) await registry.record(principal);
    assert.equal(writes, 1);
    assert.equal((await stored(cast.admin))?.role, 'TENANT_ADMIN');
  });

  it('lists the tenant\'s users and platform staff to staff, never another tenant\'s', async () => {
    const cast = tenantCast();
    const elsewhere = tenantCast();
    const platform = superAdmin('listed-platform-admin');
    await seen(cast.admin, cast.manager, cast.customer, elsewhere.admin, elsewhere.customer, platform);
    const all = await listed(cast.manager);
    const ids = all.map((user) => user.userId);
    for (const user of [cast.admin, cast.manager, cast.customer, platform]) assert.ok(ids.includes(user.userId), user.userId);
    for (const user of [elsewhere.admin, elsewhere.customer]) assert.ok(!ids.includes(user.userId), user.userId);
    const me = all.find((user) => user.userId === cast.customer.userId);
    assert.equal(me?.role, 'PARTICIPANT');
    assert.equal(me?.name, cast.customer.name);
    assert.ok(!Number.isNaN(Date.parse(me!.lastSeenAt)));

    assert.deepEqual(
      (await listed(cast.manager, '?role=PARTICIPANT')).map((user) => user.userId),
      [cast.customer.userId],
    );
    assert.ok((await listed(cast.admin, '?role=SUPER_ADMIN')).some((user) => user.userId === platform.userId));
    assert.deepEqual((await listed(cast.admin, `?q=${encodeURIComponent(cast.customer.name!.toUpperCase())}`)).map((user) => user.userId), [cast.customer.userId]);
    assert.deepEqual((await listed(cast.admin, `?q=${cast.manager.userId.slice(0, 12)}`)).map((user) => user.userId), [cast.manager.userId]);
    assert.deepEqual(await listed(cast.admin, '?q=%25'), [], 'a % is a character, not a wildcard');
    assert.equal((await listed(cast.admin, '?limit=2')).length, 2);
    assert.equal((await system.as(cast.customer).get('/api/chat/users')).status, 403);
  });

  it('lists a channel\'s tenant to platform staff who may see it, 404 otherwise', async () => {
    const cast = tenantCast();
    const platform = superAdmin();
    await seen(cast.manager);
    const created = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
    const query = `?channelId=${created.body.id}&role=MANAGEMENT_TEAM`;
    assert.equal((await system.as(platform).get(`/api/chat/users${query}`)).status, 404);
    assert.equal((await system.as(userOf('elsewhere', 'TENANT_ADMIN')).get(`/api/chat/users${query}`)).status, 404);
    await system.as(cast.manager).put(`/api/chat/channels/${created.body.id}/escalate`, { reason: 'r' });
    assert.deepEqual((await listed(platform, query)).map((user) => user.userId), [cast.manager.userId]);
    // Without a channel, platform staff see only their own kind.
    assert.ok((await listed(platform)).every((user) => user.role === 'SUPER_ADMIN'));
  });
});
